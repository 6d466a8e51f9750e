import Foundation
import MSRApp
import MSRCore
import MSRMedia
import MSRStore
import MSRTestSupport
import XCTest

/// A real SMTP server on loopback (Debian's python3-aiosmtpd, each message into a maildir) and
/// messages parsed back with Python's `email` package.
final class SMTPServerFixture {
    let maildir: String
    let server: LoopbackServer
    var port: Int { server.port }

    init(in dir: String) {
        maildir = dir + "/maildir"
        server = LoopbackServer(log: dir + "/smtp.log")
    }

    /// `slowSeconds`: each message is taken only after this long (a kill can land mid-send);
    /// `tls`: a certificate and key, and the server then requires STARTTLS.
    func start(slowSeconds: Double = 0, tls: (cert: String, key: String)? = nil) throws {
        var handler = "aiosmtpd.handlers.Mailbox"
        var env: [String: String] = [:]
        if slowSeconds > 0 {
            try writeFile(maildir + "-slow.py", Array("""
                import asyncio
                from aiosmtpd.handlers import Mailbox
                class Slow(Mailbox):
                    async def handle_DATA(self, server, session, envelope):
                        await asyncio.sleep(\(slowSeconds))
                        return await super().handle_DATA(server, session, envelope)

                """.utf8))
            env["PYTHONPATH"] = (maildir as NSString).deletingLastPathComponent
            handler = ((maildir as NSString).lastPathComponent) + "-slow.Slow"
        }
        try server.start(["/usr/bin/python3", "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)"]
                         + (tls.map { ["--tlscert", $0.cert, "--tlskey", $0.key] } ?? []) + ["-c", handler, maildir], environment: env)
    }

    func stop() { server.stop() }

    /// Every message received: To, the decoded Subject, Message-ID and the decoded body.
    func messages() throws -> [[String: String]] {
        let script = """
            import email, email.policy, json, mailbox, sys
            out = []
            box = mailbox.Maildir(sys.argv[1], factory=None)
            for key in box.keys():
                # The bytes as received (a compat32 message re-folds headers when written out again).
                msg = email.message_from_bytes(box.get_file(key).read(), policy=email.policy.default)
                out.append({"to": str(msg["To"]), "subject": str(msg["Subject"]), "message_id": str(msg["Message-ID"]),
                            "body": msg.get_content(), "charset": msg.get_content_charset() or ""})
            print(json.dumps(out))
            """
        let r = Executable.run(["-c", script, maildir], program: "/usr/bin/python3")
        guard r.status == 0 else { XCTFail(r.stderr); return [] }
        return (try JSON.parse(r.stdout).arrayValue ?? []).map { m in
            var d: [String: String] = [:]
            for k in ["to", "subject", "message_id", "body", "charset"] { d[k] = m[k]?.stringValue }
            return d
        }
    }
}

/// Issue 19's alerts: written with their cause, delivered afterwards, never lost, routed.
final class AlertsTests: XCTestCase {
    var dir = ""
    var db = ""
    var smtp: SMTPServerFixture!

    override func setUp() {
        dir = makeTempDirectory("alerts")
        db = TestStore.location(in: dir)
        smtp = SMTPServerFixture(in: dir)
    }

    override func tearDown() {
        smtp.stop()
        removeTree(dir)
    }

    func msreview(_ who: String, at time: String, _ args: String...) -> ProcessResult {
        Executable.run(["--db", db, "--reviewer", who] + args, environment: ["MSREVIEW_NOW": time, "XDG_CONFIG_HOME": dir + "/config"])
    }

    func testImportAlertsWaitWhileTheServerIsDownAndArriveOnceRoutedWithCyrillicSubjects() throws {
        _ = try SampleGenerator(count: 54, seed: 3).generate(into: dir + "/spool")
        // The location of the first session asking for a callback gets its own route, with
        // personal data; every other alert goes to the fallback, without.
        var local = ""
        for name in try FileManager.default.contentsOfDirectory(atPath: dir + "/spool").sorted() {
            let m = try JSON.parse(String(decoding: try readFile(dir + "/spool/\(name)/session.json"), as: UTF8.self))
            if m["callback_requests"] != nil, let loc = m["location"]?["id"]?.stringValue { local = loc; break }
        }
        XCTAssertFalse(local.isEmpty)
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("""
            smtp.url = smtp://127.0.0.1:\(smtp.port)
            smtp.from = msreview@example.org
            alert.route.branch.email = manager@example.org, deputy@example.org
            alert.route.branch.locations = \(local)
            alert.route.branch.personal_data = yes
            alert.route.qa.email = qa@example.org
            alert.route.qa.kinds = negative-feedback, callback-request, fraud, critical-failure
            callback_deadline_hours = 8760

            """.utf8))
        // The server is down during the import: it succeeds, the alerts wait in the outbox.
        let t0 = "2026-11-30T09:00:00Z"
        let imported = msreview("lena", at: t0, "import", dir + "/spool", "--json")
        XCTAssertEqual(imported.status, 0, imported.stderr)
        XCTAssertTrue(imported.stdout.contains("waiting in the outbox"), imported.stdout)
        XCTAssertEqual(msreview("lena", at: t0, "reviewers", "add", "lena", "--role", "lead").status, 0)
        let waiting = try JSON.parse(msreview("lena", at: t0, "alerts", "list", "--json").stdout).arrayValue ?? []
        XCTAssertGreaterThan(waiting.count, 6, "at least one per callback request")
        XCTAssertTrue(waiting.allSatisfy { $0["status"] == "pending" && $0["attempts"] == 1 && $0["last_error"] != .null }, "\(waiting)")
        XCTAssertEqual(Set(waiting.compactMap { $0["kind"]?.stringValue }).isSuperset(of: ["callback-request", "negative-feedback"]), true)
        // Before the backoff has passed nothing is tried; after it, every one arrives, once.
        try smtp.start()
        let early = try JSON.parse(msreview("lena", at: "2026-11-30T09:01:00Z", "alerts", "send", "--json").stdout)
        XCTAssertEqual(early["sent"], 0)
        let sent = msreview("lena", at: "2026-11-30T10:00:00Z", "alerts", "send", "--json")
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(try JSON.parse(sent.stdout)["sent"], .number(Double(waiting.count)))
        XCTAssertEqual(try JSON.parse(msreview("lena", at: "2026-11-30T11:00:00Z", "alerts", "send", "--json").stdout)["sent"], 0)
        let mail = try smtp.messages()
        XCTAssertEqual(mail.count, waiting.count, "each alert arrived once")
        XCTAssertEqual(Set(mail.compactMap { $0["message_id"] }).count, mail.count)
        XCTAssertEqual(Set(mail.compactMap { $0["message_id"] }),
                       Set(waiting.compactMap { $0["message_id"]?.stringValue.map { "<\($0)>" } }), "the Message-IDs the outbox fixed")
        // Routed: the branch's two addresses get its location's alerts with the phone; qa the rest, never a phone.
        let branch = mail.filter { $0["to"] == "manager@example.org" || $0["to"] == "deputy@example.org" }
        let qa = mail.filter { $0["to"] == "qa@example.org" }
        XCTAssertEqual(branch.count + qa.count, mail.count)
        XCTAssertFalse(branch.isEmpty)
        XCTAssertTrue(branch.allSatisfy { $0["body"]?.contains(local) == true })
        XCTAssertTrue(branch.contains { $0["body"]?.contains("Клиент: Иван, +7 900") == true }, "\(branch)")
        XCTAssertFalse(qa.contains { $0["body"]?.contains("+7 900") == true || $0["body"]?.contains("Иван") == true }, "a route without personal data carries no phone")
        XCTAssertFalse(qa.contains { $0["body"]?.contains(local + ")") == true }, "the branch's alerts go to the branch")
        // Plain and useful, in UTF-8 with an RFC 2047 subject decoded back to Cyrillic.
        let callback = try XCTUnwrap(mail.first { $0["subject"]?.contains("клиент просит перезвонить") == true }, "\(mail.map { $0["subject"] ?? "" })")
        XCTAssertTrue(callback["subject"]?.hasPrefix("msreview: клиент просит перезвонить — ") == true, callback["subject"] ?? "")
        XCTAssertEqual(callback["charset"], "utf-8")
        for part in ["Что случилось:", "Где:", "Когда:", "Сессия: S-", "Открыть: msreview show S-"] {
            XCTAssertTrue(callback["body"]?.contains(part) == true, part)
        }
        let list = try JSON.parse(msreview("lena", at: t0, "alerts", "list", "--status", "sent", "--json").stdout).arrayValue ?? []
        XCTAssertEqual(list.count, waiting.count)
        XCTAssertEqual(msreview("lena", at: t0, "alerts", "show", "1").status, 0)
        XCTAssertEqual(msreview("lena", at: t0, "alerts", "list", "--status", "lost").status, 2)
    }

    /// `kill -9` while sending loses nothing: the next run sends what was not marked sent, and a
    /// message that went twice carries the same Message-ID both times.
    func testAKillWhileSendingLosesNothing() throws {
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("""
            smtp.url = smtp://127.0.0.1:\(smtp.port)
            smtp.from = msreview@example.org
            alert.route.qa.email = qa@example.org, lead@example.org, ops@example.org

            """.utf8))
        _ = try SampleGenerator(count: 27, seed: 3).generate(into: dir + "/spool")
        let t0 = "2026-11-30T09:00:00Z"
        XCTAssertEqual(msreview("lena", at: t0, "import", dir + "/spool").status, 0, "the server is down: all wait")
        let all = Set(try JSON.parse(msreview("lena", at: t0, "alerts", "list", "--json").stdout).arrayValue?.compactMap { $0["message_id"]?.stringValue } ?? [])
        XCTAssertGreaterThan(all.count, 6)
        try smtp.start(slowSeconds: 0.15)
        let p = Executable.runAsync(["--db", db, "--reviewer", "lena", "alerts", "send"],
                                    environment: ["MSREVIEW_NOW": "2026-11-30T10:00:00Z", "XDG_CONFIG_HOME": dir + "/config"])
        usleep(600_000)
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        let before = try smtp.messages().count
        XCTAssertGreaterThan(before, 0, "some went before the kill")
        XCTAssertLessThan(before, all.count, "the kill came before the end")
        let again = msreview("lena", at: "2026-11-30T10:01:00Z", "alerts", "send", "--json")
        XCTAssertEqual(again.status, 0, again.stderr)
        let mail = try smtp.messages()
        let received = mail.compactMap { $0["message_id"] }.map { String($0.dropFirst().dropLast()) }
        XCTAssertEqual(Set(received), all, "every alert arrived")
        XCTAssertLessThanOrEqual(received.count, all.count + 1, "at most the one in flight went twice, with its Message-ID")
        let statuses = try JSON.parse(msreview("lena", at: t0, "alerts", "list", "--json").stdout).arrayValue?.compactMap { $0["status"]?.stringValue } ?? []
        XCTAssertEqual(Set(statuses), ["sent"])
    }

    /// SMS through an HTTP gateway (a real server on loopback): the number, the text in UTF-8
    /// JSON, no phone of a customer on a route without personal data; and a callback that waits
    /// past the deadline raises its own alert once.
    func testSMSGoesThroughTheGatewayAndOverdueCallbacksAlertOnce() throws {
        let port = smtp.port + 1
        let log = dir + "/sms.jsonl"
        let server = """
            import http.server, json, sys
            class H(http.server.BaseHTTPRequestHandler):
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                    with open(sys.argv[2], "a") as f:
                        f.write(json.dumps({"path": self.path, "type": self.headers.get("Content-Type"), "body": json.loads(body)}) + "\\n")
                    self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
                def log_message(self, *a): pass
            http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
            """
        let gateway = LoopbackServer(log: dir + "/gateway.log", port: port)
        try gateway.start(["/usr/bin/python3", "-c", server, String(port), log])
        defer { gateway.stop() }
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("""
            sms.url = http://127.0.0.1:\(port)/send
            alert.route.duty.sms = +79001112233
            alert.route.duty.kinds = callback-request, overdue-callback
            callback_deadline_hours = 24

            """.utf8))
        XCTAssertEqual(msreview("lena", at: "2026-11-20T08:00:00Z", "import", Repository.samples).status, 0)
        let lines = String(decoding: try readFile(log), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "the samples' one callback request, sent at the end of the import")
        let sms = try JSON.parse(String(lines[0]))
        XCTAssertEqual(sms["path"], "/send")
        XCTAssertEqual(sms["type"], "application/json")
        XCTAssertEqual(sms["body"]?["to"], "+79001112233")
        let text = try XCTUnwrap(sms["body"]?["text"]?.stringValue)
        XCTAssertTrue(text.hasPrefix("msreview: клиент просит перезвонить, ") && text.contains("S-20261120-0001"), text)
        XCTAssertFalse(text.contains("+7 900 123"), "the route carries no personal data")
        // Two days later nobody has called: one overdue alert, and only one however often cron runs.
        XCTAssertEqual(try JSON.parse(msreview("lena", at: "2026-11-22T12:00:00Z", "alerts", "send", "--json").stdout)["sent"], 1)
        XCTAssertEqual(try JSON.parse(msreview("lena", at: "2026-11-22T13:00:00Z", "alerts", "send", "--json").stdout)["sent"], 0)
        let after = String(decoding: try readFile(log), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(after.count, 2)
        XCTAssertTrue(try JSON.parse(String(after[1]))["body"]?["text"]?.stringValue?.hasPrefix("msreview: просрочен обратный звонок") == true)
    }

    /// A server that requires STARTTLS: with smtp.starttls and its certificate trusted, the
    /// message goes encrypted; without STARTTLS the server refuses it and it waits.
    func testSTARTTLSWhenTheServerRequiresIt() throws {
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        let made = Executable.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                   "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], program: "/usr/bin/openssl")
        XCTAssertEqual(made.status, 0, made.stderr)
        try smtp.start(tls: (cert, key))
        try makeDirectories(dir + "/config/msreview")
        func configure(starttls: Bool) throws {
            try writeFile(dir + "/config/msreview/config", Array("""
                smtp.url = smtp://127.0.0.1:\(smtp.port)
                smtp.starttls = \(starttls ? "yes" : "no")
                smtp.ca_file = \(cert)
                alert.route.qa.email = qa@example.org
                alert.route.qa.kinds = callback-request

                """.utf8))
        }
        try configure(starttls: false)
        XCTAssertEqual(msreview("lena", at: "2026-11-20T08:00:00Z", "import", Repository.samples).status, 0)
        XCTAssertEqual(try smtp.messages().count, 0, "refused in the clear")
        let refused = try JSON.parse(msreview("lena", at: "2026-11-20T08:30:00Z", "alerts", "list", "--json").stdout).arrayValue ?? []
        XCTAssertEqual(refused.map { $0["status"] }, ["failed"], "a 5xx answer is final until someone acts")
        XCTAssertTrue(refused.first?["last_error"]?.stringValue?.contains("530") == true, "\(refused)")
        try configure(starttls: true)
        XCTAssertEqual(try JSON.parse(msreview("lena", at: "2026-11-20T08:59:00Z", "alerts", "retry", "--json").stdout)["requeued"], 1)
        let sent = msreview("lena", at: "2026-11-20T09:00:00Z", "alerts", "send", "--json")
        XCTAssertEqual(try JSON.parse(sent.stdout)["sent"], 1, sent.stdout + sent.stderr)
        XCTAssertEqual(try smtp.messages().count, 1)
    }

    /// A digest route gathers a recipient's alerts into one message per period.
    func testADigestRouteSendsOneMessagePerRecipientPerPeriod() throws {
        try smtp.start()
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("""
            smtp.url = smtp://127.0.0.1:\(smtp.port)
            alert.route.daily.email = boss@example.org
            alert.route.daily.digest = 60
            callback_deadline_hours = 8760

            """.utf8))
        _ = try SampleGenerator(count: 27, seed: 3).generate(into: dir + "/spool")
        XCTAssertEqual(msreview("lena", at: "2026-11-30T09:00:00Z", "import", dir + "/spool").status, 0)
        XCTAssertEqual(try smtp.messages().count, 0, "within the period nothing goes")
        let pending = try JSON.parse(msreview("lena", at: "2026-11-30T09:00:00Z", "alerts", "list", "--status", "pending", "--json").stdout).arrayValue ?? []
        XCTAssertGreaterThan(pending.count, 1)
        let early = try JSON.parse(msreview("lena", at: "2026-11-30T09:59:00Z", "alerts", "send", "--json").stdout)
        XCTAssertEqual(early["sent"], 0)
        XCTAssertEqual(early["waiting"], .number(Double(pending.count)))
        let sent = try JSON.parse(msreview("lena", at: "2026-11-30T10:00:00Z", "alerts", "send", "--json").stdout)
        XCTAssertEqual(sent["sent"], .number(Double(pending.count)))
        let mail = try smtp.messages()
        XCTAssertEqual(mail.count, 1, "one digest")
        XCTAssertTrue(mail[0]["subject"]?.hasPrefix("msreview: сводка оповещений — \(pending.count)") == true, mail[0]["subject"] ?? "")
        for p in pending { XCTAssertTrue(mail[0]["body"]?.contains(p["subject"]?.stringValue ?? "?") == true) }
        XCTAssertTrue(mail[0]["message_id"]?.hasPrefix("<digest.") == true)
    }

    /// Alerts need a lead, and a bad route is refused where the config says it.
    func testTheOutboxIsForLeadsAndRoutesAreChecked() throws {
        try makeDirectories(dir + "/config/msreview")
        try writeFile(dir + "/config/msreview/config", Array("alert.route.x.kinds = gossip\n".utf8))
        let bad = msreview("lena", at: "2026-11-30T09:00:00Z", "alerts", "list")
        XCTAssertEqual(bad.status, 2)
        XCTAssertTrue(bad.stderr.contains("config:1: alert.route.x.kinds: unknown kind \"gossip\""), bad.stderr)
        try writeFile(dir + "/config/msreview/config", Array("smtp.url = http://x\n".utf8))
        XCTAssertTrue(msreview("lena", at: "2026-11-30T09:00:00Z", "alerts", "list").stderr.contains("smtp.url is smtp://"))
        try writeFile(dir + "/config/msreview/config", Array("".utf8))
        XCTAssertEqual(msreview("lena", at: "2026-11-30T09:00:00Z", "import", Repository.samples).status, 0)
        XCTAssertEqual(msreview("lena", at: "2026-11-30T09:00:00Z", "reviewers", "add", "lena", "--role", "lead").status, 0)
        XCTAssertEqual(msreview("lena", at: "2026-11-30T09:00:00Z", "reviewers", "add", "anna").status, 0)
        XCTAssertTrue(msreview("anna", at: "2026-11-30T09:00:00Z", "alerts", "list").stderr.contains("only a lead may read or send the alert outbox"))
        XCTAssertTrue(msreview("lena", at: "2026-11-30T09:00:00Z", "alerts", "list").stdout.hasSuffix("(no alerts)\n"), "no routes: no alerts written")
        XCTAssertTrue(msreview("lena", at: "2026-11-30T09:00:00Z", "alerts", "send").stderr.contains("no mail server: set smtp.url"))
    }
}
