#!/usr/bin/python3
"""The smallest WebKitGTK browser WebKitWebDriver can drive, for the browser tests.

Debian's MiniBrowser will not do: in automation mode it always uses an ephemeral profile (no
cookie survives a browser restart) and its toolbar keeps the window at least ~450 px wide (no
phone viewport). This shell has one window holding only the web view, so the window size that
WebDriver sets is the viewport, and a profile directory given on the command line (cookies in
SQLite, local storage, caches) that the next launch with the same directory finds again.

WebKitWebDriver starts it (capability webkitgtk:browserOptions) with WEBKIT_INSPECTOR_SERVER set;
WebKit itself listens there once automation is allowed.
Usage: webkit-shell.py --automation --profile DIR [--user-agent UA] [--size WxH] [--dark]
Needs gir1.2-webkit2-4.1 (and python3-gi) and an X display (Xvfb in the tests).
"""
import argparse
import ctypes
import os
import signal
import sys

import gi

gi.require_version('Gtk', '3.0')
gi.require_version('WebKit2', '4.1')
from gi.repository import GLib, Gtk, WebKit2  # noqa: E402

NAME = 'chatd-webkit-shell'


def main():
    parser = argparse.ArgumentParser(prog=NAME)
    parser.add_argument('--automation', action='store_true')
    parser.add_argument('--profile', required=True)
    parser.add_argument('--user-agent')
    parser.add_argument('--size', default='390x844')
    parser.add_argument('--dark', action='store_true', help='prefer the dark theme (prefers-color-scheme: dark)')
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split('x'))

    # End with WebKitWebDriver even when it is killed without closing the session.
    ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    GLib.set_prgname(NAME)
    Gtk.init(sys.argv)
    if args.dark:
        Gtk.Settings.get_default().set_property('gtk-application-prefer-dark-theme', True)
    os.makedirs(args.profile, exist_ok=True)
    data = WebKit2.WebsiteDataManager(
        base_data_directory=os.path.join(args.profile, 'data'),
        base_cache_directory=os.path.join(args.profile, 'cache'),
    )
    context = WebKit2.WebContext(website_data_manager=data)
    # Without this, cookies live in memory only: a restart would look like a new browser.
    context.get_cookie_manager().set_persistent_storage(
        os.path.join(args.profile, 'cookies.sqlite'), WebKit2.CookiePersistentStorage.SQLITE
    )
    context.set_automation_allowed(args.automation)

    settings = WebKit2.Settings()
    if args.user_agent:
        settings.set_user_agent(args.user_agent)

    windows = []

    def on_close(view, window):
        window.destroy()

    def on_destroy(window):
        windows.remove(window)
        if not windows:
            Gtk.main_quit()

    def new_view(session=None):
        view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
        window = Gtk.Window(title=NAME)
        window.set_default_size(width, height)
        window.add(view)
        windows.append(window)
        view.connect('close', on_close, window)
        window.connect('destroy', on_destroy)
        window.show_all()
        return view

    def on_automation_started(ctx, session):
        info = WebKit2.ApplicationInfo()
        info.set_name(NAME)
        info.set_version(WebKit2.get_major_version(), WebKit2.get_minor_version(), WebKit2.get_micro_version())
        session.set_application_info(info)
        session.connect('create-web-view', new_view)

    context.connect('automation-started', on_automation_started)
    Gtk.main()


if __name__ == '__main__':
    main()
