package dev.chatd.cli

import dev.chatd.client.ChatClient
import dev.chatd.client.ChatEvent
import dev.chatd.client.ConnectionState
import dev.chatd.client.Outcome
import dev.chatd.client.protocol.Conversation
import dev.chatd.client.protocol.Event
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.flow.drop
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The interactive loop: lines typed by the user become commands or messages; events from the
 * library are printed as they come. The living example of the library's API.
 */
class Repl(private val client: ChatClient, private val screen: Screen) {
    private var listed: List<Conversation> = emptyList()
    @Volatile private var open: Conversation? = null
    @Volatile private var synced = false
    private var oldestShown: Long? = null
    private val shown = HashSet<Long>() // seqs of the open conversation already on screen
    private val typingShown = HashMap<Long, Long>()

    suspend fun run(): Int = coroutineScope {
        val watchers = listOf(
            launch { client.events.collect { onEvent(it) } },
            launch { client.state.drop(1).collect { onState(it) } },
        )
        client.start()
        screen.info("type /help for commands")
        var code = 0
        while (true) {
            val line = withContext(Dispatchers.IO) { readlnOrNull() } ?: break
            val trimmed = line.trim()
            if (trimmed.isEmpty()) continue
            if (trimmed == "/quit" || trimmed == "/exit") break
            try {
                if (trimmed.startsWith("/")) command(trimmed) else say(trimmed)
            } catch (e: IllegalArgumentException) {
                screen.info(e.message ?: "bad input")
            }
        }
        watchers.forEach { it.cancel() }
        code
    }

    private fun onState(s: ConnectionState) = when (s) {
        is ConnectionState.Connected -> screen.info("connected as ${s.user.username}")
        is ConnectionState.WaitingToReconnect -> screen.info("disconnected; reconnecting in ${s.delay.inWholeMilliseconds} ms")
        is ConnectionState.SignedOut -> screen.info("signed out (${describe(s.error)}); restart to sign in again")
        else -> Unit
    }

    private fun onEvent(e: ChatEvent) {
        when (e) {
            is ChatEvent.LogEvent -> {
                val c = open
                if (c != null && e.event.conversation == c.id) {
                    if (shownOnce(e.event)) screen.line(screen.event(e.event))
                    if (oldestShown == null) oldestShown = e.event.seq
                } else if (synced && e.event.isMessage) {
                    screen.info("new message from ${e.event.sender.username} in conversation ${e.event.conversation}: ${e.event.body.take(40)}")
                }
            }
            is ChatEvent.Typing -> {
                val now = System.currentTimeMillis()
                if (open?.id == e.conversation && now - (typingShown[e.user.id] ?: 0) > 5000) {
                    typingShown[e.user.id] = now
                    screen.info("${e.user.username} is typing...")
                }
            }
            is ChatEvent.SendFailed -> screen.info("not sent (${describe(e.error)}): ${e.item.body.take(40)}")
            is ChatEvent.Synced -> if (!synced) {
                synced = true
                screen.info("up to date")
            }
            else -> Unit
        }
    }

    private suspend fun command(line: String) {
        val parts = line.split(Regex("\\s+"))
        val arg = parts.drop(1)
        when (parts[0]) {
            "/help" -> screen.line(HELP)
            "/list" -> list()
            "/open" -> openConversation(arg.firstOrNull() ?: throw IllegalArgumentException("usage: /open N|NAME"))
            "/history" -> history(arg.firstOrNull()?.toIntOrNull() ?: 20)
            "/search" -> show(client.searchUsers(arg.firstOrNull() ?: throw IllegalArgumentException("usage: /search PREFIX"))) { users ->
                screen.line(if (users.isEmpty()) "  nobody" else users.joinToString("\n") { "  ${it.username}" })
            }
            "/group" -> {
                require(arg.isNotEmpty()) { "usage: /group TITLE NAME..." }
                show(client.createGroup(arg[0], arg.drop(1))) { enter(it) }
            }
            "/add" -> current()?.let { c -> show(client.addMember(c.id, arg.single())) { open = it; screen.info("added ${arg.single()}") } }
            "/remove" -> current()?.let { c -> show(client.removeMember(c.id, arg.single())) { open = it; screen.info("removed ${arg.single()}") } }
            "/leave" -> current()?.let { c -> show(client.leave(c.id)) { open = null; screen.info("left ${c.title}") } }
            "/who" -> current()?.let { c -> screen.line("  " + c.members.joinToString(", ") { it.username }) }
            "/read" -> current()?.let { c ->
                val last = client.positions()[c.id] ?: 0
                show(client.markRead(c.id, last)) { screen.info("marked read up to $last") }
            }
            else -> screen.info("unknown command ${parts[0]}; /help lists them")
        }
    }

    @Synchronized
    private fun shownOnce(e: Event): Boolean = shown.add(e.seq)

    private fun current(): Conversation? = open ?: run {
        screen.info("open a conversation first (/list, then /open N)")
        null
    }

    private suspend fun list() = show(client.listConversations()) { cs ->
        listed = cs
        if (cs.isEmpty()) screen.line("  no conversations yet: /open NAME starts one")
        cs.forEachIndexed { i, c -> screen.line(screen.conversation(i + 1, c, client.user)) }
    }

    private suspend fun openConversation(which: String) {
        val n = which.toIntOrNull()
        if (n != null) {
            val c = listed.getOrNull(n - 1) ?: throw IllegalArgumentException("no conversation $n in the last /list")
            enter(c)
        } else {
            show(client.openDirect(which)) { enter(it) }
        }
    }

    private suspend fun enter(c: Conversation) {
        synchronized(this) { shown.clear() }
        open = c
        oldestShown = null
        screen.info("now in ${c.displayName(client.user)} (${c.members.size} members); type to send")
        history(10)
        if (c.lastSeq > c.readSeq) client.markRead(c.id, c.lastSeq)
    }

    private suspend fun history(limit: Int) {
        val c = current() ?: return
        show(client.history(c.id, before = oldestShown, limit = limit)) { page ->
            if (page.events.isEmpty()) screen.info("no older messages")
            page.events.filter { shownOnce(it) }.forEach { e: Event -> screen.line(screen.event(e)) }
            page.events.firstOrNull()?.let { oldestShown = it.seq }
        }
    }

    private suspend fun say(text: String) {
        val c = current() ?: return
        client.send(c.id, text) // printed when its event comes back; failures arrive as SendFailed
    }

    private inline fun <T> show(r: Outcome<T>, ok: (T) -> Unit) {
        when (r) {
            is Outcome.Ok -> ok(r.value)
            is Outcome.Failed -> screen.info(describe(r.error))
        }
    }

    private companion object {
        const val HELP = """  /list                 your conversations
  /open N | /open NAME  open the Nth of /list, or the direct conversation with NAME
  /history [N]          N older messages of the open conversation
  /group TITLE NAME...  create a group     /add NAME, /remove NAME, /leave
  /search PREFIX        find users         /who   members      /read  mark read
  /quit                 leave              anything else is sent to the open conversation"""
    }
}
