package dev.chatd.client

import dev.chatd.client.protocol.Event
import dev.chatd.client.protocol.User
import kotlin.time.Duration

/** What the client's connection is doing, as a [kotlinx.coroutines.flow.StateFlow]. */
sealed interface ConnectionState {
    data object Idle : ConnectionState
    data class Connecting(val attempt: Int) : ConnectionState
    data class Connected(val user: User, val sessionExpires: String) : ConnectionState
    data class WaitingToReconnect(val attempt: Int, val delay: Duration, val cause: Disconnect) : ConnectionState

    /** The session is not accepted any more: sign in again and call [ChatClient.resume]. */
    data class SignedOut(val error: ChatError) : ConnectionState
    data object Closed : ConnectionState
}

/** What the app collects from [ChatClient.events]. */
sealed interface ChatEvent {
    /**
     * A new entry of a conversation's log. Per conversation: each seq exactly once, in order, with
     * no gaps, across reconnects, server restarts and (with a persistent store) app restarts.
     */
    data class LogEvent(val event: Event) : ChatEvent

    data class Typing(val conversation: Long, val user: User) : ChatEvent
    data class ReadMoved(val conversation: Long, val user: User, val seq: Long) : ChatEvent
    data class Presence(val user: User, val online: Boolean) : ChatEvent
    /** A contact (or you, elsewhere) changed their avatar; [user] is the profile now. */
    data class Profile(val user: User) : ChatEvent

    /**
     * The server stored an outbox message: reported once per message, even after resends.
     * [duplicate]: the ack answered a resend (the first ack was lost with a socket).
     */
    data class SendAcked(val item: OutboxItem, val seq: Long, val ts: Long, val duplicate: Boolean) : ChatEvent

    /** The server refused an outbox message for good (not a member, too long, ...); it was dropped. */
    data class SendFailed(val item: OutboxItem, val error: ChatError) : ChatEvent

    /** A (re)connection finished its catch-up: every conversation is at least at [positions]. */
    data class Synced(val positions: Map<Long, Long>) : ChatEvent

    data class SignedOut(val error: ChatError) : ChatEvent

    /** An `error` frame that answered no request of this client (e.g. before a close). */
    data class ServerError(val error: ChatError.Server) : ChatEvent
}
