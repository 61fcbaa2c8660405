package dev.chatd.client

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.random.Random
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class BackoffTest {
    @Test
    fun `the ceiling doubles from the base up to the cap`() {
        val b = Backoff(500.milliseconds, 30.seconds)
        assertEquals(500.milliseconds, b.ceiling(0))
        assertEquals(1.seconds, b.ceiling(1))
        assertEquals(16.seconds, b.ceiling(5))
        assertEquals(30.seconds, b.ceiling(6))
        assertEquals(30.seconds, b.ceiling(1000))
    }

    @Test
    fun `full jitter spreads delays over the whole range below the ceiling`() {
        val b = Backoff(500.milliseconds, 30.seconds, Random(42))
        val delays = List(2000) { b.delay(6) }
        assertTrue(delays.all { it >= 0.milliseconds && it <= 30.seconds })
        // Full jitter: some clients come back almost at once, some near the ceiling.
        assertTrue(delays.any { it < 3.seconds })
        assertTrue(delays.any { it > 27.seconds })
        val mean = delays.sumOf { it.inWholeMilliseconds } / delays.size
        assertTrue(mean in 13_000..17_000, "mean $mean ms")
    }
}
