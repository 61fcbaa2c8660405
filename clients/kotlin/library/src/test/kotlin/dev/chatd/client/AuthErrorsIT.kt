package dev.chatd.client

import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.PASSWORD
import dev.chatd.client.testing.TcpProxy
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/** Sign-in failures and dead sessions come back as typed values, never as transport exceptions. */
class AuthErrorsIT : ChatdPerClass() {

    @Test
    fun `wrong password, unknown user and a server that is not there`() = runBlocking {
        val name = uniqueName("dora")
        register(chatd.baseUrl, name)
        val auth = ChatAuth(chatd.baseUrl)
        assertEquals(Outcome.Failed(ChatError.InvalidCredentials), auth.signIn(name, "not the password"))
        assertEquals(Outcome.Failed(ChatError.InvalidCredentials), auth.signIn(uniqueName("ghost"), PASSWORD))
        val taken = auth.register(name, PASSWORD).errorOrNull()
        assertEquals("username_taken", (taken as ChatError.Http).code)
        val weak = auth.register(uniqueName("eve"), "short").errorOrNull()
        assertEquals("weak_password", (weak as ChatError.Http).code)
        // Nothing listens on port 1.
        assertTrue(ChatAuth("http://127.0.0.1:1/").signIn(name, PASSWORD).errorOrNull() is ChatError.Network)
        assertEquals(name, auth.signIn(name, PASSWORD).ok().user.username)
    }

    @Test
    fun `a revoked session signs the client out, and a fresh sign-in resumes it`() = runBlocking {
        val name = uniqueName("rev")
        register(chatd.baseUrl, name)
        val auth = ChatAuth(chatd.baseUrl)
        val session = auth.signIn(name, PASSWORD).ok()
        TcpProxy(chatd.port).use { proxy ->
            TestClient(proxy.baseUrl, Credentials.Bearer(session.token)).use { c ->
                assertTrue(eventually { c.client.state.value is ConnectionState.Connected })
                auth.signOut(session.token).ok("logout")
                assertTrue(auth.me(session.token).errorOrNull() is ChatError.SignedOut)
                proxy.cutAll() // the next upgrade presents the revoked token
                assertTrue(eventually { c.client.state.value is ConnectionState.SignedOut }, "state ${c.client.state.value}")
                assertTrue(eventually { c.all<ChatEvent.SignedOut>().isNotEmpty() })
                assertTrue(c.all<ChatEvent.SignedOut>().single().error is ChatError.SignedOut)
                assertTrue(c.client.listConversations().errorOrNull() is ChatError.SignedOut)
                // Messages written meanwhile wait in the outbox for the next session.
                val item = c.client.send(1, "kept")
                assertEquals(listOf(item), c.client.pendingSends())

                val fresh = auth.signIn(name, PASSWORD).ok()
                c.client.resume(Credentials.Bearer(fresh.token))
                assertTrue(eventually { c.client.state.value is ConnectionState.Connected })
                assertTrue(c.client.listConversations() is Outcome.Ok)
                // Conversation 1 is not this user's: the queued send is refused for good, reported once.
                assertTrue(eventually { c.all<ChatEvent.SendFailed>().size == 1 })
                assertTrue(c.client.pendingSends().isEmpty())
            }
        }
    }

    @Test
    fun `an expired session and a bad token in hello are typed sign-outs`() = runBlocking {
        val name = uniqueName("exp")
        val s = register(chatd.baseUrl, name)
        // Expire every session of this user in the server's own database.
        chatd.sql("UPDATE sessions SET expires_at = 1 WHERE user_id = ${s.user.id}")
        assertTrue(ChatAuth(chatd.baseUrl).me(s.token).errorOrNull() is ChatError.SignedOut)
        TestClient(chatd.baseUrl, Credentials.Bearer(s.token)).use { c ->
            assertTrue(eventually { c.client.state.value is ConnectionState.SignedOut }, "state ${c.client.state.value}")
            assertTrue(c.client.history(1).errorOrNull() is ChatError.SignedOut)
        }
        TestClient(chatd.baseUrl, Credentials.HelloToken("not-a-real-token")).use { c ->
            assertTrue(eventually { c.client.state.value is ConnectionState.SignedOut }, "state ${c.client.state.value}")
        }
    }
}
