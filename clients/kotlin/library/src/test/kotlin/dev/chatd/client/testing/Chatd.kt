package dev.chatd.client.testing

import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.Paths
import java.util.concurrent.TimeUnit

/**
 * The real chatd binary of the C++ build on 127.0.0.1, a free port and a private SQLite database
 * (like tests/e2e/chatd_process.cpp). [kill] is SIGKILL; [start] again reuses the database.
 */
class Chatd(
    private val dir: Path = Files.createTempDirectory("chatd-kotlin-"),
    private val extraArgs: List<String> = emptyList(),
) : AutoCloseable {
    val db: Path = dir.resolve("chat.db")
    private var process: Process? = null
    private var starts = 0
    private var log: Path? = null
    var port: Int = 0
        private set

    val baseUrl: String get() = "http://127.0.0.1:$port/"

    fun start(): Chatd {
        val binary = Paths.get(System.getProperty("chatd.binary") ?: error("system property chatd.binary is not set"))
        check(Files.isExecutable(binary)) { "no chatd binary at $binary: build it with scripts/build.sh release chatd" }
        val logFile = dir.resolve("chatd-${++starts}.log")
        log = logFile
        val p = ProcessBuilder(listOf(binary.toString(), "--listen", "127.0.0.1:0", "--db", "sqlite:$db") + extraArgs)
            .redirectErrorStream(true)
            .redirectOutput(logFile.toFile())
            .start()
        process = p
        val marker = Regex("chatd listening on https?://[^\\s:]+:(\\d+)")
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60)
        while (System.nanoTime() < deadline) {
            val m = marker.find(Files.readString(logFile))
            if (m != null) {
                port = m.groupValues[1].toInt()
                return this
            }
            check(p.isAlive) { "chatd exited with ${p.exitValue()}:\n${Files.readString(logFile)}" }
            Thread.sleep(20)
        }
        error("chatd did not start listening within 60 s:\n${Files.readString(logFile)}")
    }

    /** SIGKILL: no graceful shutdown, no flush, no close frames. */
    fun kill() {
        process?.let {
            it.destroyForcibly()
            it.waitFor(30, TimeUnit.SECONDS)
        }
        process = null
    }

    /** SIGTERM: the graceful path (sockets closed with 1001, appends flushed). */
    fun terminate() {
        process?.let {
            it.destroy()
            check(it.waitFor(30, TimeUnit.SECONDS)) { "chatd did not stop on SIGTERM" }
        }
        process = null
    }

    fun logText(): String = log?.let { Files.readString(it) } ?: ""

    /** Runs SQL against the server's database with the sqlite3 command-line tool. */
    fun sql(statement: String): String {
        val p = ProcessBuilder("sqlite3", "-cmd", ".timeout 5000", db.toString(), statement).redirectErrorStream(true).start()
        val text = p.inputStream.bufferedReader().readText()
        check(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) { "sqlite3 failed: $text" }
        return text.trim()
    }

    override fun close() {
        kill()
        if (System.getenv("CHAT_E2E_KEEP_LOGS") == null) dir.toFile().deleteRecursively()
    }
}
