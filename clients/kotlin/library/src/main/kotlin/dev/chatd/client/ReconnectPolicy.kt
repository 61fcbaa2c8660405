package dev.chatd.client

import kotlin.time.Duration

/** What to do after a connection ended, by its close code (docs/protocol.md section 9). Pure. */
internal object ReconnectPolicy {
    const val POLICY_VIOLATION = 1008
    const val NOT_AUTHENTICATED = 4001
    const val SLOW_CONSUMER = 4008
    const val TOO_MANY_CONNECTIONS = 4029

    sealed interface Decision {
        /** The session is dead: stop until the app signs in again. */
        data class SignOut(val error: ChatError.SignedOut) : Decision
        data class Retry(val delay: Duration) : Decision
    }

    fun decide(end: Disconnect, attempt: Int, config: ChatConfig): Decision = when {
        end.httpStatus == 401 -> Decision.SignOut(ChatError.SignedOut("the server refused the session (HTTP 401)"))
        end.code == NOT_AUTHENTICATED -> Decision.SignOut(ChatError.SignedOut("closed 4001: ${end.reason}"))
        // We fell behind and were dropped: come back soon; the sync catches up.
        end.code == SLOW_CONSUMER -> Decision.Retry(config.backoff.delay(0))
        end.code == TOO_MANY_CONNECTIONS -> Decision.Retry(maxOf(config.tooManyConnectionsDelay, config.backoff.delay(attempt)))
        end.code == POLICY_VIOLATION -> Decision.Retry(maxOf(config.policyViolationDelay, config.backoff.delay(attempt)))
        // 1001 (server restarting), 1000, 1006, network errors, HTTP 5xx on the upgrade.
        else -> Decision.Retry(config.backoff.delay(attempt))
    }
}
