package dev.chatd.client

import kotlinx.coroutines.delay
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock

/**
 * A token bucket the client spends one token from per request, so it stays under the server's
 * per-connection limit (20/s, bursts of 40) even when it flushes a long outbox after a reconnect.
 */
internal class Pacer(private val perSecond: Double, private val burst: Double, private val now: () -> Long = System::nanoTime) {
    private val mutex = Mutex()
    private var tokens = burst
    private var last = now()

    suspend fun acquire() = mutex.withLock {
        while (true) {
            val t = now()
            tokens = minOf(burst, tokens + (t - last) / 1e9 * perSecond)
            last = t
            if (tokens >= 1) {
                tokens -= 1
                return@withLock
            }
            delay(((1 - tokens) / perSecond * 1000).toLong().coerceAtLeast(1))
        }
    }
}
