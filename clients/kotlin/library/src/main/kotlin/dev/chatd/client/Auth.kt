package dev.chatd.client

import dev.chatd.client.protocol.User
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.serialization.SerialName
import kotlinx.serialization.Serializable
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.jsonObject
import kotlinx.serialization.json.jsonPrimitive
import okhttp3.Call
import okhttp3.Callback
import okhttp3.HttpUrl
import okhttp3.HttpUrl.Companion.toHttpUrl
import okhttp3.MediaType.Companion.toMediaType
import okhttp3.OkHttpClient
import okhttp3.Request
import okhttp3.RequestBody.Companion.toRequestBody
import okhttp3.Response
import java.io.IOException
import kotlin.coroutines.resume

/** How the WebSocket upgrade proves who the user is (docs/protocol.md section 2). */
sealed interface Credentials {
    /** `Authorization: Bearer` on the upgrade: a token from [ChatAuth.signIn] or from elsewhere. */
    data class Bearer(val token: String) : Credentials

    /** Upgrade without credentials, token in the `hello` frame (for stacks that cannot set headers). */
    data class HelloToken(val token: String) : Credentials

    /**
     * The `chatd_session` cookie value, as a browser (or an Android WebView's CookieManager after
     * the OpenID Connect web flow) holds it.
     */
    data class SessionCookie(val value: String) : Credentials
}

/** A signed-in user and the session token to open WebSockets with. */
data class Session(val user: User, val token: String)

/**
 * The HTTP half of docs/http-api.md a native client needs: register, sign in for a token, check and
 * revoke it. Every function returns an [Outcome]; network failures are [ChatError.Network].
 */
class ChatAuth(baseUrl: String, private val http: OkHttpClient = defaultHttpClient) {
    private val base: HttpUrl = baseUrl.toHttpUrl()
    private val json = Json { ignoreUnknownKeys = true }
    private val jsonType = "application/json".toMediaType()

    @Serializable
    private data class Credentialed(val username: String, val password: String, @SerialName("want_token") val wantToken: Boolean)

    @Serializable
    private data class SignedIn(val user: User, val token: String? = null)

    @Serializable
    private data class Me(val user: User)

    suspend fun signIn(username: String, password: String): Outcome<Session> =
        credentialed("api/login", username, password)

    /** Creates the account (docs/http-api.md usernames and passwords) and signs in. */
    suspend fun register(username: String, password: String): Outcome<Session> =
        credentialed("api/register", username, password)

    /** Who [token] belongs to; [ChatError.SignedOut] when it is expired or revoked. */
    suspend fun me(token: String): Outcome<User> {
        val req = Request.Builder().url(base.resolve("api/me")!!).header("Authorization", "Bearer $token").get().build()
        return execute(req) { _, body -> json.decodeFromString(Me.serializer(), body).user }
    }

    /** Revokes the session; the server answers 204 even for an unknown token. */
    suspend fun signOut(token: String): Outcome<Unit> {
        val req = Request.Builder().url(base.resolve("api/logout")!!).header("Authorization", "Bearer $token")
            .post(ByteArray(0).toRequestBody(null)).build()
        return execute(req) { _, _ -> }
    }

    private suspend fun credentialed(path: String, username: String, password: String): Outcome<Session> {
        val body = json.encodeToString(Credentialed.serializer(), Credentialed(username, password, true))
        val req = Request.Builder().url(base.resolve(path)!!).post(body.toRequestBody(jsonType)).build()
        return when (val r = execute(req) { _, text -> json.decodeFromString(SignedIn.serializer(), text) }) {
            is Outcome.Failed -> r
            is Outcome.Ok -> r.value.token?.let { Outcome.Ok(Session(r.value.user, it)) }
                ?: Outcome.Failed(ChatError.Protocol("no token in the sign-in answer"))
        }
    }

    private suspend fun <T> execute(req: Request, parse: (Response, String) -> T): Outcome<T> =
        executeHttp(http, json, req, parse)

    companion object {
        val defaultHttpClient: OkHttpClient by lazy { OkHttpClient() }
    }
}

/**
 * One HTTP exchange as an [Outcome]: [parse] reads a 2xx answer; any other status becomes the
 * [ChatError] its `{"error","message"}` body names (docs/http-api.md, errors).
 */
internal suspend fun <T> executeHttp(http: OkHttpClient, json: Json, req: Request, parse: (Response, String) -> T): Outcome<T> {
    val response = try {
        http.newCall(req).await()
    } catch (e: IOException) {
        return Outcome.Failed(ChatError.Network(e.message ?: e.javaClass.simpleName))
    }
    return response.use { r ->
        val text = try { r.body.string() } catch (e: IOException) {
            return Outcome.Failed(ChatError.Network(e.message ?: "reading the answer"))
        }
        if (r.isSuccessful) {
            try {
                Outcome.Ok(parse(r, text))
            } catch (e: IllegalArgumentException) { // SerializationException is one
                Outcome.Failed(ChatError.Protocol("unexpected answer from ${req.url.encodedPath}: ${e.message}"))
            }
        } else {
            Outcome.Failed(httpError(json, r, text))
        }
    }
}

internal fun httpError(json: Json, r: Response, text: String): ChatError {
    val obj: JsonObject? = try { json.parseToJsonElement(text).jsonObject } catch (e: IllegalArgumentException) { null }
    val code = obj?.get("error")?.let { runCatching { it.jsonPrimitive.content }.getOrNull() } ?: ""
    val message = obj?.get("message")?.let { runCatching { it.jsonPrimitive.content }.getOrNull() } ?: r.message
    return when {
        code == "invalid_credentials" -> ChatError.InvalidCredentials
        r.code == 401 -> ChatError.SignedOut(message)
        r.code == 429 -> ChatError.RateLimited(r.header("Retry-After")?.toLongOrNull())
        else -> ChatError.Http(r.code, code, message)
    }
}

/** OkHttp's async call as a cancellable suspend function. */
internal suspend fun Call.await(): Response = suspendCancellableCoroutine { cont ->
    cont.invokeOnCancellation { cancel() }
    enqueue(object : Callback {
        override fun onFailure(call: Call, e: IOException) {
            cont.resumeWith(Result.failure(e))
        }

        override fun onResponse(call: Call, response: Response) {
            cont.resume(response) { _, r, _ -> r.close() }
        }
    })
}
