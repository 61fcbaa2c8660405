package dev.chatd.client

import dev.chatd.client.protocol.Attachment
import kotlinx.serialization.json.Json
import okhttp3.HttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody
import java.io.IOException

/**
 * The attachment endpoints of docs/http-api.md: `POST /api/attachments` (the bytes as they are; the
 * server sniffs the type, thumbnails an image and refuses one it cannot decode with 415
 * `unsupported_media_type`) and `GET /api/attachments/<id>[/thumbnail]`, authenticated with the
 * client's [Credentials].
 */
internal class AttachmentHttp(baseUrl: String, private val http: OkHttpClient) {
    private val base: HttpUrl = baseUrl.toHttpUrl()
    private val json = Json { ignoreUnknownKeys = true }

    suspend fun upload(credentials: Credentials, name: String, body: RequestBody): Outcome<Attachment> {
        val url = base.newBuilder().addPathSegments("api/attachments").addQueryParameter("name", name).build()
        val req = Request.Builder().url(url).authorized(credentials).post(body).build()
        return executeHttp(http, json, req) { _, text -> json.decodeFromString(Attachment.serializer(), text) }
    }

    suspend fun download(credentials: Credentials, id: String, thumbnail: Boolean): Outcome<ByteArray> {
        val url = base.newBuilder().addPathSegments("api/attachments").addPathSegment(id)
            .apply { if (thumbnail) addPathSegment("thumbnail") }.build()
        val req = Request.Builder().url(url).authorized(credentials).get().build()
        val response = try {
            http.newCall(req).await()
        } catch (e: IOException) {
            return Outcome.Failed(ChatError.Network(e.message ?: e.javaClass.simpleName))
        }
        return response.use { r ->
            try {
                if (r.isSuccessful) Outcome.Ok(r.body.bytes()) else Outcome.Failed(httpError(json, r, r.body.string()))
            } catch (e: IOException) {
                Outcome.Failed(ChatError.Network(e.message ?: "reading the answer"))
            }
        }
    }

    private fun Request.Builder.authorized(c: Credentials): Request.Builder = when (c) {
        is Credentials.Bearer -> header("Authorization", "Bearer ${c.token}")
        is Credentials.HelloToken -> header("Authorization", "Bearer ${c.token}")
        is Credentials.SessionCookie -> header("Cookie", "chatd_session=${c.value}")
    }

    companion object {
        val octets = "application/octet-stream".toMediaType()
    }
}
