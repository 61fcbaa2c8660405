package dev.chatd.cli
fun main() { println(dev.chatd.client.P(1)) }
