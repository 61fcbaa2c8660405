package dev.chatd.cli

import dev.chatd.client.ChatEvent
import dev.chatd.client.Credentials
import dev.chatd.client.testing.ChatdPerClass
import dev.chatd.client.testing.PASSWORD
import dev.chatd.client.testing.TestClient
import dev.chatd.client.testing.eventually
import dev.chatd.client.testing.ok
import dev.chatd.client.testing.register
import dev.chatd.client.testing.uniqueName
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

/** A person at a terminal: the shaded CLI jar under tmux, typed into with send-keys, read with capture-pane. */
class CliTmuxIT : ChatdPerClass() {
    private val sessions = mutableListOf<String>()

    @AfterAll
    override fun stopChatd() {
        sessions.forEach { tmux("kill-session", "-t", it, check = false) }
        super.stopChatd()
    }

    private fun tmux(vararg args: String, check: Boolean = true): String {
        val p = ProcessBuilder("tmux", *args).redirectErrorStream(true).start()
        val out = p.inputStream.bufferedReader().readText()
        val done = p.waitFor(20, TimeUnit.SECONDS)
        if (check) check(done && p.exitValue() == 0) { "tmux ${args.joinToString(" ")}: $out" }
        return out
    }

    private fun startCli(user: String): String {
        val name = "chatd-cli-${uniqueName("t")}"
        val jar = System.getProperty("cli.jar") ?: error("cli.jar not set")
        val java = System.getProperty("java.home") + "/bin/java"
        tmux("new-session", "-d", "-s", name, "-x", "160", "-y", "50", "$java -jar $jar --server ${chatd.baseUrl} --user $user; echo cli exited with \$?; sleep 30")
        sessions += name
        return name
    }

    private fun screen(session: String) = tmux("capture-pane", "-p", "-J", "-S", "-200", "-t", session)

    private fun type(session: String, text: String) {
        tmux("send-keys", "-t", session, "-l", text)
        tmux("send-keys", "-t", session, "Enter")
    }

    private fun waitFor(session: String, text: String) {
        assertTrue(eventually(60.seconds) { screen(session).contains(text) }, "waiting for \"$text\" on the screen:\n${screen(session)}")
    }

    @Test
    fun `sign in, list, open, read history, send and receive live`() = runBlocking {
        val alice = uniqueName("alice")
        val bobSession = register(chatd.baseUrl, uniqueName("bob"))
        register(chatd.baseUrl, alice)
        TestClient(chatd.baseUrl, Credentials.Bearer(bobSession.token)).use { bob ->
            val dm = bob.client.openDirect(alice).ok("open_direct")
            bob.client.awaitAck(bob.client.send(dm.id, "written before alice came").clientMsgId).ok("ack")

            val s = startCli(alice)
            waitFor(s, "password for $alice")
            type(s, PASSWORD)
            waitFor(s, "connected as $alice")
            waitFor(s, "up to date")
            type(s, "/list")
            waitFor(s, "1. ${bobSession.user.username}")
            type(s, "/open 1")
            waitFor(s, "${bobSession.user.username}: written before alice came")
            type(s, "hello from the terminal")
            assertTrue(eventually { bob.messages(dm.id).any { it.body == "hello from the terminal" && it.sender.username == alice } })
            waitFor(s, "$alice: hello from the terminal")
            bob.client.send(dm.id, "live from bob")
            waitFor(s, "${bobSession.user.username}: live from bob")
            bob.client.typing(dm.id).ok()
            waitFor(s, "${bobSession.user.username} is typing")
            // Opening the conversation marked it read: bob sees the read position move.
            assertTrue(eventually { bob.all<ChatEvent.ReadMoved>().any { it.user.username == alice } })
            type(s, "/quit")
            waitFor(s, "cli exited with 0")
            // The terminal client sent exactly one message.
            assertTrue(bob.messages(dm.id).count { it.sender.username == alice } == 1)
        }
    }

    @Test
    fun `a wrong password is said plainly`() {
        val carol = uniqueName("carol")
        register(chatd.baseUrl, carol)
        val s = startCli(carol)
        waitFor(s, "password for $carol")
        type(s, "not the password")
        waitFor(s, "sign-in failed: wrong username or password")
        waitFor(s, "cli exited with 1")
    }
}
