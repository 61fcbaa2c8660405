package dev.chatd.client.protocol

import kotlinx.serialization.KSerializer
import kotlinx.serialization.SerializationException
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.jsonObject

/** JSON text to and from the protocol types. Decoding never throws: bad input is a value. */
object Codec {
    val json: Json = Json {
        ignoreUnknownKeys = true // section 4: unknown fields are ignored, at any level
        explicitNulls = false // optional fields: null is "absent", so leave them out
        encodeDefaults = true // hello's version must be written even though it is the default
        classDiscriminator = "type"
    }

    private val replies: Map<String, KSerializer<out ServerFrame>> = mapOf(
        "welcome" to Welcome.serializer(),
        "ack" to Ack.serializer(),
        "history" to HistoryPage.serializer(),
        "sync_done" to SyncDone.serializer(),
        "conversation" to ConversationReply.serializer(),
        "conversations" to ConversationsReply.serializer(),
        "users" to UsersReply.serializer(),
        "search_results" to SearchResults.serializer(),
        "typing" to TypingPush.serializer(),
        "read" to ReadPush.serializer(),
        "presence" to PresencePush.serializer(),
        "profile" to ProfilePush.serializer(),
        "ok" to OkReply.serializer(),
        "pong" to Pong.serializer(),
        "error" to ErrorFrame.serializer(),
    )

    fun encode(request: Request): String = json.encodeToString(Request.serializer(), request)

    sealed interface Decoded {
        data class Frame(val frame: ServerFrame) : Decoded
        data class Malformed(val reason: String) : Decoded
    }

    fun decode(text: String): Decoded {
        return try {
            val obj: JsonObject = json.parseToJsonElement(text).jsonObject
            val type = (obj["type"] as? JsonPrimitive)?.takeIf { it.isString }?.content
                ?: return Decoded.Malformed("no string \"type\"")
            val frame = when (type) {
                "event" -> EventPush(json.decodeFromJsonElement(Event.serializer(), obj))
                else -> replies[type]?.let { json.decodeFromJsonElement(it, obj) } ?: Unknown(type)
            }
            Decoded.Frame(frame)
        } catch (e: SerializationException) {
            Decoded.Malformed(e.message ?: "bad frame")
        } catch (e: IllegalArgumentException) {
            Decoded.Malformed(e.message ?: "bad frame")
        }
    }
}
