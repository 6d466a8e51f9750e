import MSRCore
import MSRStore

/// The `--json` forms of sessions, documented in docs/cli.md. Members keep this order.
extension SessionSummary {
    public var json: JSON {
        .object([
            ("session_id", .string(id)),
            ("started_at", .string(startedAt)),
            ("ended_at", .string(endedAt)),
            ("location_id", .string(locationID)),
            ("location_name", locationName.json),
            ("employee_id", .string(employeeID)),
            ("employee_name", employeeName.json),
            ("device_id", .string(deviceID)),
            ("checklist", checklist.json),
            ("status", .string(status)),
            ("findings", .object([("fraud", fraud.json), ("suspect", suspect.json), ("integrity", integrity.json)])),
            ("reviewer", reviewer.json),
            ("claim_expires_at", expiresMillis.map { .string(Timestamp(utcMillis: $0).description) } ?? .null),
        ])
    }

    /// "2 fraud, 1 suspect" or "—".
    public var findingsText: String {
        let parts = [(fraud, "fraud"), (suspect, "suspect"), (integrity, "integrity")].filter { $0.0 > 0 }.map { "\($0.0) \($0.1)" }
        return parts.isEmpty ? "—" : parts.joined(separator: ", ")
    }
}

extension SessionDetail {
    public var json: JSON {
        guard case var .object(members) = summary.json else { return .null }
        members.removeAll { $0.0 == "findings" }  // the full list follows below
        members.insert(("timezone", timezone.json), at: 5)
        members.insert(("hours", hours.map { JSON.object([("open", .string($0.openText)), ("close", .string($0.closeText))]) } ?? .null), at: 6)
        members += [
            ("source", .string(source)),
            ("imported_at", .string(importedAt)),
            ("media_purged_at", mediaPurgedAt.json),
            ("recordings", .array(recordings.map { r in
                .object([
                    ("file", .string(r.entry.file)),
                    ("started_at", .string(r.entry.startedAt.description)),
                    ("status", .string(r.status.rawValue)),
                    ("sha256", r.sha256.json),
                    ("size", r.size.json),
                    ("duration_ms", r.durationMillis.json),
                    ("sample_rate", r.sampleRate.json),
                    ("channels", r.channels.json),
                    ("container", r.container.json),
                    ("encoding", r.encoding.json),
                ])
            })),
            ("photos", .array(photos.map { p in
                .object([
                    ("file", .string(p.entry.file)),
                    ("taken_at", p.entry.takenAt.map { JSON.string($0.description) } ?? .null),
                    ("status", .string(p.status.rawValue)),
                    ("sha256", p.sha256.json),
                    ("size", p.size.json),
                    ("width", p.width.json),
                    ("height", p.height.json),
                    ("exif_time", p.exifText.json),
                    ("exif_at", p.exifTime.map { JSON.string(Timestamp(utcMillis: $0.utcMillis).description) } ?? .null),
                    ("exif_offset_known", .bool(p.exifOffsetKnown)),
                ])
            })),
            ("questionnaires", .array(questionnaires.map { q in
                .object([
                    ("id", .string(q.id)),
                    ("form", q.form.json),
                    ("started_at", .string(q.startedAt.description)),
                    ("submitted_at", .string(q.submittedAt.description)),
                    ("photos", q.photos.json),
                    ("answers", .array(q.answers.map { a in
                        .object([
                            ("question", .string(a.question)),
                            ("text", a.text.json),
                            ("kind", .string(a.kind.rawValue)),
                            ("value", a.value.json),
                            ("answered_at", a.answeredAt.map { JSON.string($0.description) } ?? .null),
                        ])
                    })),
                ])
            })),
            ("callback_requests", .array(callbackRequests.map { c in
                .object([
                    ("name", c.name.json), ("phone", c.phone.json), ("topic", c.topic.json),
                    ("at", c.at.map { JSON.string($0.description) } ?? .null),
                ])
            })),
            ("findings", .array(findings.map(\.json))),
        ]
        return .object(members)
    }
}
