package dev.chatd.client

import kotlin.random.Random
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(cap, base * 2^n)], so clients thrown off by one server restart spread out instead of
 * reconnecting in step.
 */
class Backoff(
    val base: Duration = 500.milliseconds,
    val cap: Duration = 30.seconds,
    private val random: Random = Random.Default,
) {
    fun ceiling(attempt: Int): Duration {
        val shift = attempt.coerceIn(0, 30)
        val ms = base.inWholeMilliseconds.toDouble() * (1L shl shift)
        return minOf(ms, cap.inWholeMilliseconds.toDouble()).milliseconds
    }

    fun delay(attempt: Int): Duration =
        (random.nextDouble() * ceiling(attempt).inWholeMilliseconds).toLong().milliseconds
}
