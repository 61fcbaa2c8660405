package dev.chatd.client

import dev.chatd.client.ReconnectPolicy.Decision
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class ReconnectPolicyTest {
    private val config = ChatConfig("http://127.0.0.1:1/", Credentials.Bearer("t"))

    private fun delays(end: Disconnect, attempt: Int): List<Duration> = List(200) {
        (ReconnectPolicy.decide(end, attempt, config) as Decision.Retry).delay
    }

    @Test
    fun `401 on the upgrade and close 4001 sign out`() {
        assertTrue(ReconnectPolicy.decide(Disconnect(httpStatus = 401), 0, config) is Decision.SignOut)
        assertTrue(ReconnectPolicy.decide(Disconnect(code = 4001), 3, config) is Decision.SignOut)
    }

    @Test
    fun `4008 comes back at once, whatever the attempt`() {
        assertTrue(delays(Disconnect(code = 4008), 10).all { it <= 500.milliseconds })
    }

    @Test
    fun `4029 and 1008 wait long`() {
        assertTrue(delays(Disconnect(code = 4029), 0).all { it >= 30.seconds })
        assertTrue(delays(Disconnect(code = 1008), 0).all { it >= 60.seconds })
    }

    @Test
    fun `1001, network loss and server errors back off exponentially with jitter`() {
        for (end in listOf(Disconnect(code = 1001), Disconnect(reason = "reset"), Disconnect(httpStatus = 503))) {
            assertTrue(delays(end, 0).all { it <= 500.milliseconds })
            val late = delays(end, 8)
            assertTrue(late.all { it <= 30.seconds } && late.any { it > 15.seconds } && late.any { it < 15.seconds })
        }
    }
}
