package dev.chatd.cli

import dev.chatd.client.ChatAuth
import dev.chatd.client.ChatClient
import dev.chatd.client.ChatConfig
import dev.chatd.client.ChatError
import dev.chatd.client.ChatStore
import dev.chatd.client.Credentials
import dev.chatd.client.FileStore
import dev.chatd.client.MemoryStore
import dev.chatd.client.Outcome
import kotlinx.coroutines.runBlocking
import java.nio.file.Paths
import kotlin.system.exitProcess

private const val USAGE = """usage: chatd-cli --server URL --user NAME [--register] [--store FILE] [--token TOKEN]

A terminal chat client on the chatd Kotlin library. Signs in with a password (asked for on the
terminal) or with a session token obtained elsewhere (--token, or CHATD_TOKEN), then:
  /list              your conversations          /open N|NAME   open one (list number or username)
  /history [N]       N older messages            /group TITLE NAME...   new group
  /add NAME /remove NAME /leave                  /search PREFIX  find users
  /read              mark the open one read      /who           members of the open one
  /help /quit        anything else is sent to the open conversation
--store FILE keeps read positions and unsent messages across runs (default: memory only)."""

data class Args(val server: String, val user: String?, val register: Boolean, val store: String?, val token: String?)

fun parseArgs(argv: Array<String>): Args? {
    var server: String? = null
    var user: String? = null
    var register = false
    var store: String? = null
    var token: String? = System.getenv("CHATD_TOKEN")
    var i = 0
    while (i < argv.size) {
        when (argv[i]) {
            "--server" -> server = argv.getOrNull(++i)
            "--user" -> user = argv.getOrNull(++i)
            "--register" -> register = true
            "--store" -> store = argv.getOrNull(++i)
            "--token" -> token = argv.getOrNull(++i)
            else -> return null
        }
        i++
    }
    if (server == null || (user == null && token == null)) return null
    return Args(if (server.endsWith("/")) server else "$server/", user, register, store, token)
}

private fun readPassword(user: String): String? {
    val console = System.console()
    if (console != null) return console.readPassword("password for %s: ", user)?.let { String(it) }
    print("password for $user: ")
    System.out.flush()
    return readlnOrNull()
}

fun describe(e: ChatError): String = when (e) {
    is ChatError.InvalidCredentials -> "wrong username or password"
    is ChatError.SignedOut -> "signed out: ${e.detail}"
    is ChatError.RateLimited -> "too many attempts" + (e.retryAfterSeconds?.let { ", try again in $it s" } ?: "")
    is ChatError.Http -> e.message.ifEmpty { "HTTP ${e.status} ${e.code}" }
    is ChatError.Network -> "cannot reach the server (${e.detail})"
    is ChatError.Server -> "${e.wireCode}: ${e.message}"
    is ChatError.Timeout -> "timed out (${e.what})"
    is ChatError.ConnectionLost -> "connection lost"
    is ChatError.Protocol -> "protocol error: ${e.detail}"
    is ChatError.Closed -> "closed"
}

fun main(argv: Array<String>) {
    val args = parseArgs(argv) ?: run {
        System.err.println(USAGE)
        exitProcess(2)
    }
    val code = runBlocking {
        val token = args.token ?: run {
            val password = readPassword(args.user!!) ?: return@runBlocking 1
            val auth = ChatAuth(args.server)
            val r = if (args.register) auth.register(args.user, password) else auth.signIn(args.user, password)
            when (r) {
                is Outcome.Ok -> r.value.token
                is Outcome.Failed -> {
                    println("sign-in failed: ${describe(r.error)}")
                    return@runBlocking 1
                }
            }
        }
        val store: ChatStore = args.store?.let { FileStore(Paths.get(it)) } ?: MemoryStore()
        ChatClient(ChatConfig(args.server, Credentials.Bearer(token), store)).use { client ->
            Repl(client, Screen(System.out)).run()
        }
    }
    exitProcess(code)
}
