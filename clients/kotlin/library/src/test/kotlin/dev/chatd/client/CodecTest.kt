package dev.chatd.client

import dev.chatd.client.protocol.Codec
import dev.chatd.client.protocol.ErrorCode
import dev.chatd.client.protocol.ErrorFrame
import dev.chatd.client.protocol.EventPush
import dev.chatd.client.protocol.Request
import dev.chatd.client.protocol.Unknown
import dev.chatd.client.protocol.Welcome
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.nio.file.Files
import java.nio.file.Paths

/** Every JSON example of docs/protocol.md goes through the codec: the document is the contract. */
class CodecTest {
    private val requestTypes = setOf(
        "hello", "send", "history", "sync", "open_direct", "create_group", "add_member", "remove_member",
        "leave", "typing", "read", "list_conversations", "search_users", "ping",
        "edit_message", "delete_message", "react", "unreact", "update_group", "set_role", "search",
        "set_profile", "get_profiles",
    )
    private val frameTypes = setOf(
        "welcome", "ack", "event", "history", "sync_done", "conversation", "conversations", "users", "search_results",
        "typing", "read", "presence", "ok", "pong", "error", "profile",
    )

    private fun examples(): List<JsonObject> {
        val doc = Files.readString(Paths.get(System.getProperty("protocol.doc") ?: error("protocol.doc not set")))
        val blocks = Regex("```json\\n(.*?)```", RegexOption.DOT_MATCHES_ALL).findAll(doc).map { it.groupValues[1] }
        return blocks.map { Codec.json.parseToJsonElement(it).jsonObject }.toList()
    }

    @Test
    fun `every request example decodes and encodes back to the same JSON`() {
        val seen = HashSet<String>()
        for (obj in examples().filter { it.containsKey("id") && !it.containsKey("ref") }) {
            val type = obj["type"]!!.jsonPrimitive.content
            val request = Codec.json.decodeFromJsonElement(Request.serializer(), obj)
            assertEquals(obj, Codec.json.parseToJsonElement(Codec.encode(request)), "round trip of $type")
            seen += type
        }
        assertEquals(requestTypes, seen, "the document shows every request")
    }

    @Test
    fun `every server frame example decodes to its typed frame`() {
        val seen = HashSet<String>()
        val frames = examples().filter { !it.containsKey("id") || it.containsKey("ref") }
        for (obj in frames) {
            val type = obj["type"]!!.jsonPrimitive.content
            val decoded = Codec.decode(obj.toString())
            assertTrue(decoded is Codec.Decoded.Frame, "$type: $decoded")
            val frame = (decoded as Codec.Decoded.Frame).frame
            assertTrue(frame !is Unknown, "$type decoded as unknown")
            seen += type
        }
        assertEquals(frameTypes, seen, "the document shows every server frame")
    }

    @Test
    fun `bad and unknown input is a value, never an exception`() {
        assertTrue(Codec.decode("not json") is Codec.Decoded.Malformed)
        assertTrue(Codec.decode("[1,2]") is Codec.Decoded.Malformed)
        assertTrue(Codec.decode("""{"type":"ack","ref":"1"}""") is Codec.Decoded.Malformed)
        val future = Codec.decode("""{"type":"reaction","emoji":"x"}""") as Codec.Decoded.Frame
        assertEquals(Unknown("reaction"), future.frame)
        val extra = Codec.decode("""{"type":"welcome","ref":"1","version":1,"user":{"id":1,"username":"a","halo":{"x":1}},"new":true}""")
        assertEquals("a", ((extra as Codec.Decoded.Frame).frame as Welcome).user.username)
        val err = Codec.decode("""{"type":"error","code":"brand_new","message":"m"}""") as Codec.Decoded.Frame
        assertEquals(ErrorCode.UNKNOWN, (err.frame as ErrorFrame).errorCode)
        val ev = Codec.decode("""{"type":"event","conversation":1,"seq":2,"event_id":"1-2","kind":"poll","sender":{"id":1,"username":"a"},"ts":5}""")
        assertEquals("poll", (((ev as Codec.Decoded.Frame).frame) as EventPush).event.kind)
    }

    @Test
    fun `optional request fields are left out when absent`() {
        assertEquals("""{"type":"hello","id":"1","version":1}""", Codec.encode(Request.Hello("1")))
        assertEquals("""{"type":"history","id":"2","conversation":3}""", Codec.encode(Request.History("2", 3)))
    }
}
