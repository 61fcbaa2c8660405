package dev.chatd.client

import kotlinx.coroutines.channels.Channel
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.Response
import okhttp3.WebSocket
import okhttp3.WebSocketListener
import okio.ByteString
import java.util.concurrent.atomic.AtomicBoolean

/** Why a connection ended: a close frame ([code]), or a failure (an HTTP answer to the upgrade, I/O). */
data class Disconnect(
    val code: Int? = null,
    val reason: String = "",
    /** The HTTP status when the upgrade itself was refused (401: session invalid or expired). */
    val httpStatus: Int? = null,
)

/**
 * One OkHttp WebSocket, turned into a channel of what happened on it. OkHttp calls the listener on
 * its own threads; everything after [inbound] runs in the client's coroutines.
 */
internal class Socket(http: OkHttpClient, request: Request) {
    sealed interface In {
        data class Text(val text: String) : In
        data class Ended(val disconnect: Disconnect) : In
    }

    val inbound = Channel<In>(Channel.UNLIMITED)
    private val ended = AtomicBoolean(false)

    private fun end(d: Disconnect) {
        if (ended.compareAndSet(false, true)) {
            inbound.trySend(In.Ended(d))
            inbound.close()
        }
    }

    private val ws: WebSocket = http.newWebSocket(request, object : WebSocketListener() {
        override fun onMessage(webSocket: WebSocket, text: String) {
            inbound.trySend(In.Text(text))
        }

        override fun onMessage(webSocket: WebSocket, bytes: ByteString) {
            // The server never sends binary frames; ignore rather than guess.
        }

        override fun onClosing(webSocket: WebSocket, code: Int, reason: String) {
            webSocket.close(1000, null)
            end(Disconnect(code, reason))
        }

        override fun onClosed(webSocket: WebSocket, code: Int, reason: String) = end(Disconnect(code, reason))

        override fun onFailure(webSocket: WebSocket, t: Throwable, response: Response?) {
            end(Disconnect(null, t.message ?: t.javaClass.simpleName, response?.code))
            response?.close()
        }
    })

    /** False when the socket is already closing (the text was not queued). */
    fun send(text: String): Boolean = ws.send(text)

    fun close(code: Int, reason: String) {
        ws.close(code, reason)
    }

    /** Drops the connection at once (a dead peer, a handshake that timed out, the client closing). */
    fun cancel() {
        ws.cancel()
        end(Disconnect(null, "cancelled by the client"))
    }
}
