package dev.chatd.client

import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.PASSWORD
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.runBlocking
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Three library clients on a real chatd, each authenticated another way: Bearer header (token from
 * a password sign-in), the token in `hello`, and the browser's session cookie from the web login.
 */
class ConversationsIT : ChatdPerClass() {

    /** The web client's sign-in: POST /api/login without want_token, keep the Set-Cookie value. */
    private fun webLoginCookie(name: String): String {
        val body = """{"username":"$name","password":"$PASSWORD"}""".toRequestBody("application/json".toMediaType())
        OkHttpClient().newCall(Request.Builder().url(chatd.baseUrl + "api/login").post(body).build()).execute().use { r ->
            assertEquals(200, r.code)
            assertTrue(!r.body.string().contains("\"token\""), "no token without want_token")
            val cookie = r.headers("Set-Cookie").first { it.startsWith("chatd_session=") }
            return cookie.substringAfter("chatd_session=").substringBefore(';')
        }
    }

    @Test
    fun `direct and group conversations between clients on three auth paths`() = runBlocking {
        val aliceName = uniqueName("alice")
        val bobName = uniqueName("bob")
        val carolName = uniqueName("carol")
        register(chatd.baseUrl, aliceName)
        val bobSession = register(chatd.baseUrl, bobName)
        register(chatd.baseUrl, carolName)
        val aliceSession = ChatAuth(chatd.baseUrl).signIn(aliceName.uppercase(), PASSWORD).ok("sign-in")
        assertEquals(aliceName, aliceSession.user.username)

        TestClient(chatd.baseUrl, Credentials.Bearer(aliceSession.token)).use { alice ->
            TestClient(chatd.baseUrl, Credentials.HelloToken(bobSession.token)).use { bob ->
                TestClient(chatd.baseUrl, Credentials.SessionCookie(webLoginCookie(carolName))).use { carol ->
                    for (c in listOf(alice, bob, carol)) {
                        assertTrue(eventually { c.client.state.value is ConnectionState.Connected }, "connected: ${c.client.state.value}")
                    }
                    assertEquals(carolName, carol.client.user?.username)

                    // Direct conversation: both sides get its creation, then the messages, in order.
                    val dm = alice.client.openDirect(bobName).ok("open_direct")
                    assertTrue(dm.isDirect)
                    assertEquals(bobName, dm.displayName(alice.client.user))
                    val sent = (1..5).map { alice.client.send(dm.id, "hello bob $it") }
                    sent.forEach { assertEquals(it.clientMsgId, alice.client.awaitAck(it.clientMsgId).ok("ack").item.clientMsgId) }
                    assertTrue(eventually { bob.messages(dm.id).size == 5 }, "bob got ${bob.messages(dm.id)}")
                    assertEquals((1..5).map { "hello bob $it" }, bob.messages(dm.id).map { it.body })
                    val bobSeqs = bob.logEvents(dm.id).map { it.seq }
                    assertEquals((1L..bobSeqs.size).toList(), bobSeqs, "every seq once, in order")
                    assertEquals(listOf("created", "member_added", "member_added"), bob.logEvents(dm.id).take(3).map { it.kind })
                    assertTrue(eventually { alice.all<ChatEvent.SendAcked>().size == 5 })

                    // Typing and read positions.
                    bob.client.typing(dm.id).ok("typing")
                    assertTrue(eventually { alice.all<ChatEvent.Typing>().any { it.user.username == bobName && it.conversation == dm.id } })
                    val last = bob.logEvents(dm.id).last().seq
                    bob.client.markRead(dm.id, last).ok("read")
                    assertTrue(eventually { alice.all<ChatEvent.ReadMoved>().any { it.user.username == bobName && it.seq == last } })
                    val listed = bob.client.listConversations().ok("list").first { it.id == dm.id }
                    assertEquals(last, listed.lastSeq)
                    assertEquals(last, listed.readSeq)
                    assertEquals(0, listed.unread)
                    assertEquals("hello bob 5", listed.lastEvent?.body)

                    // History pages, for scrolling back.
                    val page = bob.client.history(dm.id, limit = 3).ok("history")
                    assertEquals(listOf("hello bob 3", "hello bob 4", "hello bob 5"), page.events.map { it.body })
                    assertTrue(page.hasMore)
                    val older = bob.client.history(dm.id, before = page.events.first().seq, limit = 200).ok("history")
                    assertEquals(listOf("hello bob 1", "hello bob 2"), older.events.filter { it.isMessage }.map { it.body })

                    // User search and a group with all three.
                    val found = alice.client.searchUsers(carolName.take(8)).ok("search")
                    assertTrue(found.any { it.username == carolName }, "search found $found")
                    val group = alice.client.createGroup("Lunch crew", listOf(bobName)).ok("create_group")
                    assertEquals(2, group.members.size)
                    val withCarol = bob.client.addMember(group.id, carolName).ok("add_member")
                    assertEquals(3, withCarol.members.size)
                    carol.client.send(group.id, "carol here")
                    for (c in listOf(alice, bob, carol)) {
                        assertTrue(eventually { c.messages(group.id).any { it.body == "carol here" } }, "group message reached ${c.client.user}")
                    }
                    // Carol joined later: her stream still starts at seq 1 (filled from history), no gap.
                    val carolSeqs = carol.logEvents(group.id).map { it.seq }
                    assertEquals((1L..carolSeqs.last()).toList(), carolSeqs)

                    // Errors are values with the server's code.
                    val notMember = alice.client.openDirect(uniqueName("nobody"))
                    assertEquals(dev.chatd.client.protocol.ErrorCode.NOT_FOUND, (notMember.errorOrNull() as ChatError.Server).code)
                    val empty = carol.client.send(group.id, "   ")
                    assertTrue(eventually { carol.all<ChatEvent.SendFailed>().any { it.item == empty } })
                    assertEquals(
                        dev.chatd.client.protocol.ErrorCode.EMPTY_BODY,
                        (carol.client.awaitAck(empty.clientMsgId).errorOrNull() as? ChatError.Server)?.code
                            ?: (carol.all<ChatEvent.SendFailed>().first { it.item == empty }.error as ChatError.Server).code,
                    )

                    // Removal and leaving reach the people concerned.
                    alice.client.removeMember(group.id, carolName).ok("remove_member")
                    assertTrue(eventually { carol.logEvents(group.id).any { it.kind == "member_removed" && it.subject?.username == carolName } })
                    bob.client.leave(group.id).ok("leave")
                    assertTrue(eventually { alice.logEvents(group.id).any { it.kind == "member_left" && it.sender.username == bobName } })
                    val aliceSeqs = alice.logEvents(group.id).map { it.seq }
                    assertEquals((1L..aliceSeqs.size).toList(), aliceSeqs)
                    assertTrue(alice.client.pendingSends().isEmpty())

                    // Presence: alice shares a conversation with bob, so his going away reaches her.
                    bob.client.close()
                    assertTrue(eventually { alice.all<ChatEvent.Presence>().any { it.user.username == bobName && !it.online } })
                }
            }
        }
    }
}
