package dev.chatd.client

import dev.chatd.client.protocol.ErrorCode

/**
 * What every request and sign-in returns: a value or a typed [ChatError], never an exception from
 * the transport. [getOrThrow] is there for code that prefers exceptions.
 */
sealed interface Outcome<out T> {
    data class Ok<out T>(val value: T) : Outcome<T>
    data class Failed(val error: ChatError) : Outcome<Nothing>

    fun getOrNull(): T? = (this as? Ok)?.value
    fun errorOrNull(): ChatError? = (this as? Failed)?.error
    fun getOrThrow(): T = when (this) {
        is Ok -> value
        is Failed -> throw ChatException(error)
    }
}

inline fun <T, R> Outcome<T>.map(f: (T) -> R): Outcome<R> = when (this) {
    is Outcome.Ok -> Outcome.Ok(f(value))
    is Outcome.Failed -> this
}

class ChatException(val error: ChatError) : Exception(error.toString())

/** Every way a call can fail. */
sealed interface ChatError {
    /** Worth trying again later, unchanged. */
    val retryable: Boolean

    /** The server answered with an `error` frame. */
    data class Server(val code: ErrorCode, val wireCode: String, val message: String) : ChatError {
        override val retryable get() = code.retryable
    }

    /** Wrong username or password (HTTP 401 `invalid_credentials`). */
    data object InvalidCredentials : ChatError {
        override val retryable get() = false
    }

    /**
     * The session is no longer accepted: expired, revoked (logout, session deleted), or the token was
     * never valid. HTTP 401 on the upgrade, close 4001, or `not_authenticated`. Sign in again.
     */
    data class SignedOut(val detail: String) : ChatError {
        override val retryable get() = false
    }

    /** HTTP 429 or WebSocket `rate_limited`. */
    data class RateLimited(val retryAfterSeconds: Long?) : ChatError {
        override val retryable get() = true
    }

    /** Another HTTP answer of docs/http-api.md (`username_taken`, `weak_password`, 503, ...). */
    data class Http(val status: Int, val code: String, val message: String) : ChatError {
        override val retryable get() = status >= 500
    }

    /** No reply within the request's timeout. A `send` stays in the outbox regardless. */
    data class Timeout(val what: String) : ChatError {
        override val retryable get() = true
    }

    /** The connection dropped before the reply arrived. */
    data object ConnectionLost : ChatError {
        override val retryable get() = true
    }

    /** Network failure talking HTTP (refused, reset, DNS). */
    data class Network(val detail: String) : ChatError {
        override val retryable get() = true
    }

    /** The server's answer did not fit the protocol (a bug on one side). */
    data class Protocol(val detail: String) : ChatError {
        override val retryable get() = false
    }

    /** [ChatClient.close] was called. */
    data object Closed : ChatError {
        override val retryable get() = false
    }
}
