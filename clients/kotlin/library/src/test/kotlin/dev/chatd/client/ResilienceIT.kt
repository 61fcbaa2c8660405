package dev.chatd.client

import dev.chatd.client.protocol.Event
import dev.chatd.client.testing.Chatd
import dev.chatd.client.testing.TcpProxy
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import kotlin.time.Duration.Companion.seconds

/**
 * The hard parts against a real chatd behind a TCP proxy the test controls: the server SIGKILLed and
 * restarted with sends in flight, the socket cut while events flow, the app restarted with messages
 * still in its outbox.
 */
class ResilienceIT {
    private lateinit var chatd: Chatd
    private lateinit var proxy: TcpProxy

    @BeforeEach
    fun start() {
        chatd = Chatd().start()
        proxy = TcpProxy(chatd.port)
    }

    @AfterEach
    fun stop() {
        proxy.close()
        chatd.close()
    }

    private fun restartChatd() {
        chatd.start()
        proxy.target = chatd.port
    }

    /** Per conversation, what one client's app saw: each seq once, consecutive from 1. */
    private fun assertExactlyOnceInOrder(events: List<Event>) {
        val seqs = events.map { it.seq }
        assertEquals((1L..seqs.size).toList(), seqs, "seqs seen by the app")
    }

    private fun serverLog(baseUrl: String, token: String, conversation: Long): List<Event> = runBlocking {
        TestClient(baseUrl, Credentials.Bearer(token)).use { reader ->
            val all = mutableListOf<Event>()
            var after = 0L
            while (true) {
                val page = reader.client.history(conversation, after = after, limit = 200).ok("history")
                all += page.events
                if (!page.hasMore || page.events.isEmpty()) break
                after = page.events.last().seq
            }
            all
        }
    }

    @Test
    fun `chatd SIGKILLed and restarted mid-conversation with sends in flight`() = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token)).use { alice ->
            TestClient(proxy.baseUrl, Credentials.Bearer(bobS.token)).use { bob ->
                val dm = alice.client.openDirect(bobS.user.username).ok("open_direct")
                val total = 40
                val items = mutableListOf<OutboxItem>()
                var pendingAtKill = 0
                var ackedAtKill = 0
                var pendingAtRestart = 0
                for (i in 1..total) {
                    items += alice.client.send(dm.id, "m$i")
                    if (i % 2 == 0) bob.client.send(dm.id, "b$i")
                    if (i == 15) {
                        chatd.kill() // some of m1..m15 are acked, some in flight, none may be lost
                        pendingAtKill = alice.client.pendingSends().size
                        ackedAtKill = alice.all<ChatEvent.SendAcked>().size
                    }
                    if (i == 25) {
                        pendingAtRestart = alice.client.pendingSends().size
                        restartChatd()
                    }
                    delay(20)
                }
                assertTrue(eventually(90.seconds) { alice.all<ChatEvent.SendAcked>().size == total }, "alice acks: ${alice.all<ChatEvent.SendAcked>().size}")
                assertTrue(eventually(90.seconds) { bob.all<ChatEvent.SendAcked>().size == total / 2 })
                assertTrue(eventually(60.seconds) { bob.messages(dm.id).size == total + total / 2 }, "bob saw ${bob.messages(dm.id).size}")
                assertTrue(eventually(60.seconds) { alice.messages(dm.id).size == total + total / 2 }, "alice saw ${alice.messages(dm.id).size}")

                println("SIGKILL test: at the kill $ackedAtKill of alice's 15 acked, $pendingAtKill unacked; $pendingAtRestart unacked at the restart; ${alice.all<ChatEvent.SendAcked>().count { it.duplicate }} acks answered a resend; ${proxy.accepted} connections through the proxy")
                // m16..m25 were written while chatd was dead: in the outbox, unacked, at the restart.
                assertTrue(pendingAtRestart >= 10, "sends in flight at the restart: $pendingAtRestart")
                // Every ack reported once, for exactly the messages sent.
                val acked = alice.all<ChatEvent.SendAcked>()
                assertEquals(items.map { it.clientMsgId }.toSet(), acked.map { it.item.clientMsgId }.toSet())
                assertEquals(total, acked.map { it.item.clientMsgId }.distinct().size)
                assertTrue(alice.client.pendingSends().isEmpty())

                for (c in listOf(alice, bob)) {
                    assertExactlyOnceInOrder(c.logEvents(dm.id))
                    // Each side's own messages in the order they were sent (the outbox keeps order).
                    assertEquals((1..total).map { "m$it" }, c.messages(dm.id).filter { it.body.startsWith("m") }.map { it.body })
                }
                // Nothing was stored twice, and every acked seq holds the acked message.
                val log = serverLog(proxy.baseUrl, aliceS.token, dm.id).filter { it.isMessage }
                assertEquals(total + total / 2, log.size)
                assertEquals(log.size, log.map { it.clientMsgId }.distinct().size)
                val bySeq = log.associateBy { it.seq }
                acked.forEach { assertEquals(it.item.clientMsgId, bySeq[it.seq]?.clientMsgId) }
                assertTrue(alice.all<ChatEvent.Synced>().size >= 2, "caught up after the restart")
            }
        }
    }

    @Test
    fun `a graceful restart closes with 1001 and the client comes back by itself`() = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token)).use { alice ->
            TestClient(proxy.baseUrl, Credentials.HelloToken(bobS.token)).use { bob ->
                val dm = alice.client.openDirect(bobS.user.username).ok("open_direct")
                alice.client.awaitAck(alice.client.send(dm.id, "before the restart").clientMsgId).ok("ack")
                chatd.terminate()
                assertTrue(eventually { alice.disconnects().any { it.cause.code == 1001 } }, "states ${alice.states}")
                restartChatd()
                alice.client.reconnectNow()
                bob.client.reconnectNow()
                alice.client.send(dm.id, "after the restart")
                assertTrue(eventually { bob.messages(dm.id).map { it.body } == listOf("before the restart", "after the restart") }, "bob: ${bob.messages(dm.id)}")
                assertExactlyOnceInOrder(bob.logEvents(dm.id))
                assertTrue(bob.disconnects().any { it.cause.code == 1001 }, "bob states ${bob.states}")
            }
        }
    }

    @Test
    fun `an eleventh connection is refused with 4029 and retried later`() = runBlocking {
        val s = register(chatd.baseUrl, uniqueName("many"))
        val http = okhttp3.OkHttpClient()
        val sockets = (1..10).map {
            val opened = java.util.concurrent.CompletableFuture<String>()
            val ws = http.newWebSocket(
                okhttp3.Request.Builder().url(chatd.baseUrl + "ws").header("Authorization", "Bearer ${s.token}").build(),
                object : okhttp3.WebSocketListener() {
                    override fun onMessage(webSocket: okhttp3.WebSocket, text: String) {
                        opened.complete(text)
                    }
                },
            )
            ws.send("""{"type":"hello","id":"1","version":1}""")
            assertTrue(opened.get(20, java.util.concurrent.TimeUnit.SECONDS).contains("welcome"))
            ws
        }
        // What the server does, on a raw socket: docs/protocol.md says error too_many_connections, close 4029.
        assertEquals("too_many_connections" to 4029, rawHello(http, s.token))
        TestClient(chatd.baseUrl, Credentials.Bearer(s.token), tweak = { it.copy(tooManyConnectionsDelay = 2.seconds) }).use { c ->
            assertTrue(eventually { c.disconnects().any { it.cause.code == 4029 } }, "states ${c.states}")
            val wait = c.disconnects().first { it.cause.code == 4029 }
            assertTrue(wait.delay >= 2.seconds, "waited ${wait.delay}")
            sockets.forEach { it.close(1000, "done") }
            assertTrue(eventually { c.client.state.value is ConnectionState.Connected }, "states ${c.states}")
        }
        http.dispatcher.executorService.shutdown()
    }

    /** hello on a fresh socket; the error code the server answers and the close code it sends. */
    private fun rawHello(http: okhttp3.OkHttpClient, bearer: String?, helloToken: String? = null): Pair<String, Int> {
        val error = java.util.concurrent.CompletableFuture<String>()
        val closed = java.util.concurrent.CompletableFuture<Int>()
        val req = okhttp3.Request.Builder().url(chatd.baseUrl + "ws").apply { bearer?.let { header("Authorization", "Bearer $it") } }.build()
        http.newWebSocket(req, object : okhttp3.WebSocketListener() {
            override fun onMessage(webSocket: okhttp3.WebSocket, text: String) {
                Regex("\"code\":\"([a-z_]+)\"").find(text)?.let { error.complete(it.groupValues[1]) }
            }
            override fun onClosing(webSocket: okhttp3.WebSocket, code: Int, reason: String) {
                closed.complete(code)
            }
            override fun onFailure(webSocket: okhttp3.WebSocket, t: Throwable, response: okhttp3.Response?) {
                closed.complete(-1)
            }
        }).send(if (helloToken == null) """{"type":"hello","id":"1","version":1}""" else """{"type":"hello","id":"1","version":1,"token":"$helloToken"}""")
        return error.get(20, java.util.concurrent.TimeUnit.SECONDS) to closed.get(20, java.util.concurrent.TimeUnit.SECONDS)
    }

    @Test
    fun `a bad token in hello gets not_authenticated and close 4001`() {
        val http = okhttp3.OkHttpClient()
        assertEquals("not_authenticated" to 4001, rawHello(http, bearer = null, helloToken = "not-a-token"))
        http.dispatcher.executorService.shutdown()
    }

    @Test
    fun `an ack lost with the socket is reported once after the reconnect`() = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token)).use { alice ->
            TestClient(chatd.baseUrl, Credentials.Bearer(bobS.token)).use { bob ->
                val dm = alice.client.openDirect(bobS.user.username).ok("open_direct")
                assertTrue(eventually { bob.logEvents(dm.id).size == 3 })
                // The server stores the message, but its ack and event never reach alice.
                proxy.blackholeCurrent()
                val item = alice.client.send(dm.id, "did this arrive?")
                assertTrue(eventually { bob.messages(dm.id).any { it.body == "did this arrive?" } })
                assertTrue(alice.all<ChatEvent.SendAcked>().isEmpty())
                assertEquals(listOf(item), alice.client.pendingSends())
                proxy.cutAll()
                assertTrue(eventually { alice.all<ChatEvent.SendAcked>().isNotEmpty() }, "states ${alice.states}")
                bob.client.send(dm.id, "yes")
                assertTrue(eventually { alice.messages(dm.id).any { it.body == "yes" } })
                assertEquals(1, alice.all<ChatEvent.SendAcked>().size)
                assertEquals(item, alice.all<ChatEvent.SendAcked>().single().item)
                assertEquals(listOf("did this arrive?", "yes"), alice.messages(dm.id).map { it.body })
                assertExactlyOnceInOrder(alice.logEvents(dm.id))
                assertEquals(1, serverLog(proxy.baseUrl, aliceS.token, dm.id).count { it.clientMsgId == item.clientMsgId })
            }
        }
    }

    @Test
    fun `a link that goes silent is found dead by ping and replaced`() = runBlocking {
        val s = register(chatd.baseUrl, uniqueName("quiet"))
        val fast: (ChatConfig) -> ChatConfig = { it.copy(idlePing = 2.seconds, pongTimeout = 2.seconds) }
        TestClient(proxy.baseUrl, Credentials.Bearer(s.token), tweak = fast).use { c ->
            assertTrue(eventually { c.client.state.value is ConnectionState.Connected })
            val before = proxy.accepted
            proxy.blackholeCurrent() // no close, no reset: the server's frames just stop arriving
            assertTrue(eventually { proxy.accepted > before && c.client.state.value is ConnectionState.Connected }, "states ${c.states}")
            assertTrue(c.disconnects().isNotEmpty())
            assertTrue(c.client.ping() is Outcome.Ok)
        }
    }

    @Test
    fun `a message acked just before the app died is resent once, answered as a duplicate, reported once`() = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        val store = MemoryStore()
        val item: OutboxItem
        val dmId: Long
        TestClient(chatd.baseUrl, Credentials.Bearer(aliceS.token), store).use { alice ->
            dmId = alice.client.openDirect(bobS.user.username).ok("open_direct").id
            item = alice.client.send(dmId, "only once please")
            alice.client.awaitAck(item.clientMsgId).ok("ack")
            assertTrue(eventually { alice.messages(dmId).isNotEmpty() && runBlocking { store.load() }.positions[dmId] == alice.logEvents(dmId).last().seq })
        }
        // The crash came after the server's ack but before the outbox entry was removed.
        store.addToOutbox(item)
        TestClient(chatd.baseUrl, Credentials.Bearer(aliceS.token), store).use { alice2 ->
            assertTrue(eventually { alice2.all<ChatEvent.SendAcked>().isNotEmpty() }, "states ${alice2.states}")
            val ack = alice2.all<ChatEvent.SendAcked>().single()
            assertEquals(item, ack.item)
            assertTrue(ack.duplicate, "the server recognised the resend")
            assertTrue(store.load().outbox.isEmpty())
            assertTrue(alice2.messages(dmId).isEmpty(), "nothing new to deliver: ${alice2.messages(dmId)}")
        }
        assertEquals(1, serverLog(chatd.baseUrl, aliceS.token, dmId).count { it.clientMsgId == item.clientMsgId })
    }

    @Test
    fun `socket cut by the network while events flow`() = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        // Bob talks to chatd directly; only Alice's path is cut.
        TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token)).use { alice ->
            TestClient(chatd.baseUrl, Credentials.Bearer(bobS.token)).use { bob ->
                val dm = bob.client.openDirect(aliceS.user.username).ok("open_direct")
                val total = 60
                for (i in 1..total) {
                    bob.client.send(dm.id, "live $i")
                    if (i % 15 == 0) proxy.cutAll()
                    if (i == 30) alice.client.send(dm.id, "from alice while cut")
                    delay(30)
                }
                assertTrue(eventually(60.seconds) { alice.messages(dm.id).count { it.body.startsWith("live") } == total }, "alice saw ${alice.messages(dm.id).size}")
                assertTrue(eventually(60.seconds) { bob.messages(dm.id).any { it.body == "from alice while cut" } })
                assertExactlyOnceInOrder(alice.logEvents(dm.id))
                assertEquals((1..total).map { "live $it" }, alice.messages(dm.id).filter { it.body.startsWith("live") }.map { it.body })
                assertTrue(eventually { alice.all<ChatEvent.SendAcked>().isNotEmpty() })
                assertEquals(1, alice.all<ChatEvent.SendAcked>().size)
                assertTrue(proxy.accepted >= 4, "alice reconnected after each cut (${proxy.accepted} connections)")
                assertTrue(alice.client.state.value is ConnectionState.Connected)
            }
        }
    }

    @Test
    fun `outbox and positions survive an app restart through the file store`(@TempDir dir: Path) = runBlocking {
        val aliceS = register(chatd.baseUrl, uniqueName("alice"))
        val bobS = register(chatd.baseUrl, uniqueName("bob"))
        val storeFile = dir.resolve("alice-store.json")
        TestClient(chatd.baseUrl, Credentials.Bearer(bobS.token)).use { bob ->
            val dm = bob.client.openDirect(aliceS.user.username).ok("open_direct")
            bob.client.send(dm.id, "before")
            val firstRunSeqs: List<Long>
            TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token), FileStore(storeFile)).use { alice ->
                assertTrue(eventually { alice.messages(dm.id).any { it.body == "before" } })
                firstRunSeqs = alice.logEvents(dm.id).map { it.seq }
                // The phone goes offline; the user writes three messages; the app is killed.
                proxy.refuse = true
                proxy.cutAll()
                assertTrue(eventually { alice.client.state.value !is ConnectionState.Connected })
                (1..3).forEach { alice.client.send(dm.id, "offline $it") }
                assertEquals(3, alice.client.pendingSends().size)
            }
            bob.client.send(dm.id, "while alice was away")
            proxy.refuse = false
            TestClient(proxy.baseUrl, Credentials.Bearer(aliceS.token), FileStore(storeFile)).use { alice2 ->
                assertTrue(eventually { alice2.all<ChatEvent.SendAcked>().size == 3 }, "acks after restart: ${alice2.seen}")
                assertEquals((1..3).map { "offline $it" }, alice2.all<ChatEvent.SendAcked>().map { it.item.body })
                assertTrue(eventually { bob.messages(dm.id).count { it.body.startsWith("offline") } == 3 })
                assertTrue(eventually { alice2.messages(dm.id).any { it.body == "offline 3" } })
                // The restarted app starts after what the first run handed over: nothing twice.
                val again = alice2.logEvents(dm.id).map { it.seq }
                assertEquals(firstRunSeqs.last() + 1, again.first())
                assertEquals((again.first()..again.last()).toList(), again)
                assertTrue(alice2.messages(dm.id).any { it.body == "while alice was away" })
                assertTrue(alice2.client.pendingSends().isEmpty())
                // The store file agrees: empty outbox, and (once the collector has returned from the
                // last event, which the position is saved after) the position at the end.
                val last = alice2.logEvents(dm.id).last().seq
                assertTrue(eventually { runBlocking { FileStore(storeFile).load() }.positions[dm.id] == last })
                assertTrue(FileStore(storeFile).load().outbox.isEmpty())
                assertEquals(bob.logEvents(dm.id).last().seq, last)
            }
            assertEquals(3, bob.messages(dm.id).count { it.body.startsWith("offline") })
        }
    }
}
