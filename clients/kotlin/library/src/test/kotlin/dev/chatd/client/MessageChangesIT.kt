package dev.chatd.client

import dev.chatd.client.protocol.ErrorCode
import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.delay
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * Issue 11's message requests through [ChatClient]'s high-level calls against a real chatd: a reply,
 * an edit, reactions, a delete (each seen live by the other member and in history), idempotent
 * retries, refusals with their codes, and search page by page.
 */
class MessageChangesIT : ChatdPerClass(listOf("--requests-per-second", "200", "--request-burst", "200")) {

    @Test
    fun `edit, react, unreact, reply and delete reach the other member and history`() = runBlocking {
        val aliceName = uniqueName("alice")
        val bobName = uniqueName("bob")
        val alice = register(chatd.baseUrl, aliceName)
        val bob = register(chatd.baseUrl, bobName)
        TestClient(chatd.baseUrl, Credentials.Bearer(alice.token)).use { a ->
            TestClient(chatd.baseUrl, Credentials.Bearer(bob.token)).use { b ->
                assertTrue(eventually { a.client.state.value is ConnectionState.Connected })
                assertTrue(eventually { b.client.state.value is ConnectionState.Connected })
                val conv = a.client.openDirect(bobName).ok("open_direct").id
                val first = a.client.send(conv, "Lunch at 12?")
                val seq = a.client.awaitAck(first.clientMsgId).ok("ack").seq

                // Bob replies to it, quoting it by seq.
                val reply = b.client.send(conv, "Yes!", replyTo = seq)
                val replySeq = b.client.awaitAck(reply.clientMsgId).ok("reply ack").seq
                assertTrue(eventually { a.messages(conv).any { it.seq == replySeq && it.replyTo == seq } })

                // Alice edits; a retry with the same client_msg_id is the same edit.
                val edit = a.client.editMessage(conv, seq, "Lunch at 13?", clientMsgId = "edit-$seq").ok("edit")
                val again = a.client.editMessage(conv, seq, "Lunch at 13?", clientMsgId = "edit-$seq").ok("edit retry")
                assertTrue(again.duplicate)
                assertEquals(edit.seq, again.seq)
                assertTrue(eventually { b.logEvents(conv).any { it.kind == "message_edited" && it.target == seq && it.body == "Lunch at 13?" } })
                // Bob may not edit Alice's message.
                val refused = b.client.editMessage(conv, seq, "hijacked").errorOrNull()
                assertEquals(ErrorCode.FORBIDDEN, (refused as ChatError.Server).code)

                // Bob reacts, Alice sees it; the message in history counts it; then he takes it back.
                b.client.react(conv, seq, "👍").ok("react")
                assertTrue(eventually { a.logEvents(conv).any { it.kind == "reaction_added" && it.target == seq && it.emoji == "👍" } })
                val reacted = a.client.history(conv, limit = 50).ok("history").events.first { it.seq == seq }
                assertEquals("Lunch at 13?", reacted.body)
                assertNotNull(reacted.editedTs)
                assertEquals(1, reacted.reactions.single { it.emoji == "👍" }.count)
                b.client.unreact(conv, seq, "👍").ok("unreact")
                assertTrue(eventually { a.logEvents(conv).any { it.kind == "reaction_removed" && it.target == seq } })
                assertTrue(a.client.history(conv, limit = 50).ok().events.first { it.seq == seq }.reactions.isEmpty())

                // Alice deletes it: Bob gets the delete; history keeps the seq, without the text.
                a.client.deleteMessage(conv, seq).ok("delete")
                assertTrue(eventually { b.logEvents(conv).any { it.kind == "message_deleted" && it.target == seq } })
                val gone = b.client.history(conv, limit = 50).ok().events.first { it.seq == seq }
                assertTrue(gone.deleted)
                assertEquals("", gone.body)
                // A deleted message takes no reactions.
                val late = b.client.react(conv, seq, "🎉").errorOrNull()
                assertEquals(ErrorCode.NOT_FOUND, (late as ChatError.Server).code)
            }
        }
    }

    @Test
    fun `search pages through hits newest first and never finds a deleted message`() = runBlocking {
        val aliceName = uniqueName("alice")
        val bobName = uniqueName("bob")
        val alice = register(chatd.baseUrl, aliceName)
        register(chatd.baseUrl, bobName)
        val word = "ramen" + uniqueName("w") // only this test's messages match
        TestClient(chatd.baseUrl, Credentials.Bearer(alice.token)).use { a ->
            assertTrue(eventually { a.client.state.value is ConnectionState.Connected })
            val conv = a.client.openDirect(bobName).ok("open_direct").id
            val seqs = (1..7).map { n ->
                val item = a.client.send(conv, "$word number $n")
                a.client.awaitAck(item.clientMsgId).ok("ack $n").seq
            }
            // The index follows the ack (docs/protocol.md, "search"): wait until all seven are in,
            // slowly enough that the polls do not spend the user's database budget.
            for (attempt in 1..100) {
                val found = a.client.search(word, null, limit = 50)
                if ((found as? Outcome.Ok)?.value?.hits?.size == 7) break
                delay(300)
            }
            // Page by page, 3 at a time: 3 + 3 + 1, newest first, each hit once.
            val pages = mutableListOf<List<Long>>()
            var cursor: String? = null
            do {
                val page = a.client.search(word, cursor, limit = 3).ok("search")
                pages += page.hits.map { it.seq }
                cursor = page.nextCursor
            } while (cursor != null && pages.size < 10)
            assertEquals(seqs.reversed(), pages.flatten())
            assertTrue(pages.first().size == 3)
            assertEquals(seqs.reversed(), a.client.searchAll(word, pageSize = 2).ok("searchAll").map { it.seq })

            a.client.deleteMessage(conv, seqs[3]).ok("delete")
            val after = a.client.searchAll(word).ok("search after delete").map { it.seq }
            assertFalse(seqs[3] in after)
            assertEquals(6, after.size)
        }
    }
}
