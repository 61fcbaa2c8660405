package dev.chatd.client

import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import kotlin.time.Duration.Companion.seconds

/**
 * `list_conversations` answers one page (200 at most, docs/protocol.md); the client follows
 * `next_cursor`, so a user in more conversations than a page still gets every one, and a fresh
 * device syncs them all. The request rate limit is raised to make the 230 groups quickly.
 */
class PagingIT : ChatdPerClass(listOf("--requests-per-second", "2000", "--request-burst", "2000")) {

    @Test
    fun `a user in more conversations than one page gets every one, listed and synced`() = runBlocking {
        val aliceName = uniqueName("alice")
        val bobName = uniqueName("bob")
        val alice = register(chatd.baseUrl, aliceName)
        val bob = register(chatd.baseUrl, bobName)
        val fast: (ChatConfig) -> ChatConfig = { it.copy(requestsPerSecond = 1000.0, requestBurst = 1000.0) }
        val made = TestClient(chatd.baseUrl, Credentials.Bearer(alice.token), tweak = fast).use { a ->
            assertTrue(eventually { a.client.state.value is ConnectionState.Connected })
            val ids = (1..230).map { a.client.createGroup("Group $it", listOf(bobName)).ok("create_group $it").id }
            val moved = a.client.send(ids.first(), "the oldest group moves to the front")
            a.client.awaitAck(moved.clientMsgId).ok("ack")
            ids
        }
        TestClient(chatd.baseUrl, Credentials.Bearer(bob.token)).use { b ->
            assertTrue(eventually { b.client.state.value is ConnectionState.Connected })
            val listed = b.client.listConversations().ok("list")
            assertEquals(made.toSet(), listed.map { it.id }.toSet(), "every group, none twice")
            assertEquals(made.size, listed.size)
            assertEquals(made.first(), listed.first().id, "most recently active first")
            // The fresh device's catch-up learned every conversation from all pages and synced it.
            assertTrue(eventually(60.seconds) { b.all<ChatEvent.Synced>().isNotEmpty() })
            assertEquals(made.toSet(), b.all<ChatEvent.Synced>().first().positions.keys)
            assertTrue(b.messages(made.first()).any { it.body == "the oldest group moves to the front" })
        }
    }
}
