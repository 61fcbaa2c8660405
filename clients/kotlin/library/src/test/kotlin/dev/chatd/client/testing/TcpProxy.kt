package dev.chatd.client.testing

import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.Collections
import kotlin.concurrent.thread

/**
 * A TCP forwarder on 127.0.0.1 the test controls: [cutAll] drops every connection through it
 * (both sides, at once, like a phone losing its network), [refuse] makes it drop new ones, and
 * [target] may change (chatd restarted on another port).
 */
class TcpProxy(@Volatile var target: Int) : AutoCloseable {
    private val server = ServerSocket(0, 50, InetAddress.getLoopbackAddress())
    private val open = Collections.synchronizedSet(HashSet<Socket>())
    @Volatile var refuse = false

    @Volatile private var blackholedBelow = 0

    /**
     * From now on, the connections open now lose every server-to-client byte (acks and pongs
     * vanish; the TCP connection stays up, like a dead mobile link). Later connections are fine.
     */
    fun blackholeCurrent() {
        blackholedBelow = accepted
    }
    @Volatile var accepted = 0
        private set

    val port: Int get() = server.localPort
    val baseUrl: String get() = "http://127.0.0.1:$port/"

    init {
        thread(isDaemon = true, name = "proxy-accept") {
            while (!server.isClosed) {
                val client = try { server.accept() } catch (e: IOException) { break }
                accepted++
                if (refuse) {
                    client.close()
                    continue
                }
                val upstream = Socket()
                try {
                    upstream.connect(InetSocketAddress(InetAddress.getLoopbackAddress(), target), 5000)
                } catch (e: IOException) {
                    client.close()
                    continue
                }
                open += client
                open += upstream
                val index = accepted - 1
                pump(client, upstream, blackholeIndex = -1)
                pump(upstream, client, blackholeIndex = index)
            }
        }
    }

    private fun pump(from: Socket, to: Socket, blackholeIndex: Int) = thread(isDaemon = true, name = "proxy-pump") {
        val buf = ByteArray(16 * 1024)
        try {
            val input = from.getInputStream()
            val output = to.getOutputStream()
            while (true) {
                val n = input.read(buf)
                if (n < 0) break
                if (blackholeIndex in 0 until blackholedBelow) continue
                output.write(buf, 0, n)
                output.flush()
            }
        } catch (e: IOException) {
            // cut or closed: fall through
        } finally {
            from.close()
            to.close()
            open -= from
            open -= to
        }
    }

    /** Drops every connection through the proxy now. */
    fun cutAll() {
        val all = synchronized(open) { open.toList() }
        all.forEach { runCatching { it.setSoLinger(true, 0); it.close() } }
    }

    override fun close() {
        server.close()
        cutAll()
    }
}
