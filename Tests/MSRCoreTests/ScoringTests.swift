import MSRCore
import XCTest

/// Each rule of scoring.md, alone and combined, against hand-computed figures.
final class ScoringTests: XCTestCase {
    static let text = """
    # test standard
    id: test
    version: 2
    title: Тест
    pass: 80

    [greeting] Приветствие
    - greet: Поприветствовал клиента
      kind: yesno
      weight: 2
      evidence: yes
      guidance: В течение 10 секунд,
      guidance: с улыбкой.
    - name: Назвал своё имя
      kind: yesno
      na: yes

    [needs] Выявление потребностей
    - ask: Задал открытые вопросы
      kind: scale 5
      weight: 3
    - offer: Предложил продукты
      kind: points 4
      weight: 2
      na: yes
    - consent: Получил согласие на обработку данных
      kind: yesno
      critical: section

    [compliance] Соблюдение требований
    - id_check: Проверил документ
      kind: yesno
      critical: session
      na: yes
    """

    var checklist: Checklist { try! Checklist.parse(Self.text, file: "test.checklist") }

    func score(_ a: [String: ItemAnswer]) -> ReviewScore { Score.review(checklist, answers: a) }

    let perfect: [String: ItemAnswer] = ["greet": .yes, "name": .yes, "ask": .value(5), "offer": .value(4), "consent": .yes, "id_check": .yes]

    func testParsesTheFormat() {
        let c = checklist
        XCTAssertEqual(c.id, "test")
        XCTAssertEqual(c.version, 2)
        XCTAssertEqual(c.passMark, 80)
        XCTAssertEqual(c.sections.map(\.id), ["greeting", "needs", "compliance"])
        XCTAssertEqual(c.sections[1].title, "Выявление потребностей")
        let greet = c.item("greet")!
        XCTAssertEqual(greet.weight, 2)
        XCTAssertTrue(greet.evidenceOnFail)
        XCTAssertEqual(greet.guidance, "В течение 10 секунд, с улыбкой.")
        XCTAssertEqual(c.item("ask")?.kind, .scale(5))
        XCTAssertEqual(c.item("offer")?.kind, .points(4))
        XCTAssertEqual(c.item("consent")?.critical, .section)
        XCTAssertEqual(c.item("id_check")?.critical, .session)
        XCTAssertTrue(c.item("name")!.allowsNA)
        XCTAssertFalse(c.item("ask")!.allowsNA)
    }

    func testReportsEveryProblemWithFileAndLine() {
        let bad = """
        id: bad id
        version: zero
        [s1] One
        - a: A
          kind: scale 11
          weight: -1
          na: maybe
          colour: red
        - a: again
        [s1] Dup
        - b:
        """
        XCTAssertThrowsError(try Checklist.parse(bad, file: "bad.checklist")) { e in
            let lines = (e as! ChecklistProblems).problems.map(\.description)
            for expected in ["bad.checklist:1: id \"bad id\"", "bad.checklist:2: version", "bad.checklist:5: scale needs",
                             "bad.checklist:6: weight", "bad.checklist:7: na must be yes or no",
                             "bad.checklist:8: unknown item property \"colour\"", "bad.checklist:9: item \"a\" is defined twice",
                             "bad.checklist:10: section \"s1\" is defined twice", "bad.checklist:11: item \"b\" has no text"] {
                XCTAssertTrue(lines.contains { $0.hasPrefix(expected) }, "missing \(expected) in \(lines)")
            }
        }
    }

    func testPerfectReview() {
        let s = score(perfect)
        // Weights: greet 2, name 1, ask 3, offer 2, consent 1, id_check 1 = 10.
        XCTAssertEqual(s.earned, 10)
        XCTAssertEqual(s.possible, 10)
        XCTAssertEqual(s.percent, 100)
        XCTAssertTrue(s.passed)
        XCTAssertEqual(s.criticalFailures, [])
    }

    func testWeightsAndFractions() {
        // ask 3 of 5 → (3−1)/4 = 0.5 × 3 = 1.5; offer 1 of 4 → 0.25 × 2 = 0.5; greet no → 0 of 2.
        var a = perfect
        a["ask"] = .value(3)
        a["offer"] = .value(1)
        a["greet"] = .no
        let s = score(a)
        XCTAssertEqual(s.sections[0].earned, 1)   // name 1 of 1, greet 0 of 2
        XCTAssertEqual(s.sections[0].possible, 3)
        XCTAssertEqual(s.sections[1].earned, 1.5 + 0.5 + 1)
        XCTAssertEqual(s.sections[1].possible, 6)
        XCTAssertEqual(s.earned, 5)                     // 1 + 3 + 1
        XCTAssertEqual(s.possible, 10)                  // 3 + 6 + 1
        XCTAssertEqual(Score.text(s.percent), "50.0")
        XCTAssertEqual(Score.text(s.sections[0].percent), "33.3")
        XCTAssertEqual(Set(s.failedItems), ["greet", "offer"], "0.5 of the weight is not a failure; 0.25 is")
        XCTAssertFalse(s.passed)
    }

    func testNotApplicableLeavesBothSides() {
        var a = perfect
        a["name"] = .notApplicable
        a["offer"] = .notApplicable
        a["greet"] = .no
        let s = score(a)
        XCTAssertEqual(s.sections[0].possible, 2, "N/A drops out of possible, not only earned")
        XCTAssertEqual(s.sections[0].earned, 0)
        XCTAssertEqual(s.possible, 2 + 4 + 1)
        XCTAssertEqual(s.earned, 0 + 4 + 1)
        XCTAssertEqual(Score.text(s.percent), "71.4")
    }

    func testNothingPossibleHasNoPercentNeverZero() {
        let s = score(["name": .notApplicable, "offer": .notApplicable, "id_check": .notApplicable])
        XCTAssertNil(s.sections[0].percent)
        XCTAssertNil(s.sections[2].percent)
        XCTAssertNil(s.percent)
        XCTAssertEqual(Score.text(s.percent), "—")
        XCTAssertFalse(s.passed)
        XCTAssertNil(score([:]).percent)
    }

    func testCriticalSectionZeroesItsSectionOnly() {
        var a = perfect
        a["consent"] = .no
        let s = score(a)
        XCTAssertEqual(s.sections[1].earned, 0)
        XCTAssertEqual(s.sections[1].earnedBeforeAutoFail, 5)  // ask 3 + offer 2 + consent 0
        XCTAssertEqual(s.sections[1].possible, 6)
        XCTAssertEqual(Score.text(s.sections[1].percentBeforeAutoFail), "83.3")
        XCTAssertEqual(s.sections[0].percent, 100)
        XCTAssertEqual(Score.text(s.percent), "40.0")               // (3 + 0 + 1) / 10
        XCTAssertEqual(Score.text(s.percentBeforeAutoFail), "90.0") // (3 + 5 + 1) / 10
        XCTAssertEqual(s.criticalFailures, [CriticalFailure(sectionID: "needs", itemID: "consent", scope: .section)])
        XCTAssertFalse(s.passed)
    }

    func testCriticalSessionZeroesTheReview() {
        var a = perfect
        a["id_check"] = .no
        let s = score(a)
        XCTAssertEqual(s.percent, 0)
        XCTAssertEqual(Score.text(s.percentBeforeAutoFail), "90.0")  // 9 / 10
        XCTAssertEqual(s.sections[0].percent, 100, "sections keep their own figures")
        XCTAssertEqual(s.criticalFailures.map(\.itemID), ["id_check"])
        XCTAssertFalse(s.passed)
    }

    func testBothCriticalsTogether() {
        var a = perfect
        a["id_check"] = .no
        a["consent"] = .no
        let s = score(a)
        XCTAssertEqual(s.percent, 0)
        XCTAssertEqual(s.criticalFailures.map(\.scope), [.section, .session])
        XCTAssertEqual(s.sections[1].percent, 0)
    }

    func testPassMarkBoundaryAndCriticalBlocksPass() {
        // 4 yes of 5 equal items = 80.0 exactly: passes at a mark of 80.
        let text = "id: p\nversion: 1\npass: 80\n[s] S\n" + (1...5).map { "- i\($0): I\($0)\n  critical: \($0 == 5 ? "section" : "none")" }.joined(separator: "\n")
        let c = try! Checklist.parse(text, file: "p")
        let four = Score.review(c, answers: ["i1": .yes, "i2": .yes, "i3": .yes, "i4": .yes, "i5": .no])
        XCTAssertEqual(four.percent, 0, "i5 is critical: section, its section is the whole review")
        XCTAssertFalse(four.passed)
        let c2 = try! Checklist.parse(text.replacingOccurrences(of: "critical: section", with: "critical: none"), file: "p")
        let s = Score.review(c2, answers: ["i1": .yes, "i2": .yes, "i3": .yes, "i4": .yes, "i5": .no])
        XCTAssertEqual(s.percent, 80)
        XCTAssertTrue(s.passed)
        let below = Score.review(c2, answers: ["i1": .yes, "i2": .yes, "i3": .yes, "i4": .no, "i5": .no])
        XCTAssertFalse(below.passed)
    }

    func testRoundingHalfAwayFromZero() {
        XCTAssertEqual(Score.text(12.25), "12.3")
        XCTAssertEqual(Score.text(49.0 / 4.0), "12.3")
        XCTAssertEqual(Score.text(100.0 * 1 / 8), "12.5")
        XCTAssertEqual(Score.text(0.05), "0.1")
        XCTAssertEqual(Score.text(66.65), "66.7")
        XCTAssertEqual(Score.text(200.0 / 3), "66.7")
        XCTAssertEqual(Score.text(-12.25), "-12.3")
        XCTAssertEqual(Score.text(99.94), "99.9")
        XCTAssertEqual(Score.text(0), "0.0")
        XCTAssertEqual(Score.text(nil), "—")
    }

    func testAnswersThatDoNotFitTheKindDropOut() {
        XCTAssertNil(Score.fraction(.value(6), kind: .scale(5)))
        XCTAssertNil(Score.fraction(.yes, kind: .scale(5)))
        XCTAssertNil(Score.fraction(.value(1), kind: .yesno))
        XCTAssertEqual(Score.fraction(.value(0), kind: .points(3)), 0)
        XCTAssertEqual(Score.fraction(.value(1), kind: .scale(2)), 0)
    }
}
