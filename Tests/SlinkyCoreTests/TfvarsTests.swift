import Foundation
import Testing
@testable import SlinkyCore

private let handWritten = """
    # Blueprint written by hand; slinky must keep every byte it does not own.
    name_prefix = "demo"   # trailing comment stays

    node_groups = [
      {
        name = "gpu"   # nested, not top level
        size = 2
      },
    ]

    tags = {
      team  = "ml"
      owner = "someone"
    }

    /* a block
       comment */
    description = <<EOT
    heredoc with "quotes", [ an open bracket and image_tag = "not this one"
    EOT
    // slash comment
    image_repository = "111111111111.dkr.ecr.us-west-2.amazonaws.com/old" # managed by slinky
    image_tag        = "v1"

    """

@Suite("TfvarsDocument")
struct TfvarsTests {
    @Test("setting the three managed keys changes only their values, keeps trailing comments and appends the missing one")
    func editsPreserveEverythingElse() throws {
        var document = try TfvarsDocument(text: handWritten)
        let changed = try document.set([
            ("image_repository", "222222222222.dkr.ecr.eu-west-1.amazonaws.com/new"),
            ("image_tag", "25.05.0-ubuntu24.04"),
            ("ssh_key", "ssh-ed25519 AAAAC3Nza slurm-login"),
        ])
        #expect(changed)
        let expected = handWritten
            .replacingOccurrences(
                of: #"image_repository = "111111111111.dkr.ecr.us-west-2.amazonaws.com/old" # managed by slinky"#,
                with: #"image_repository = "222222222222.dkr.ecr.eu-west-1.amazonaws.com/new" # managed by slinky"#)
            .replacingOccurrences(of: #"image_tag        = "v1""#, with: #"image_tag        = "25.05.0-ubuntu24.04""#)
            + #"ssh_key = "ssh-ed25519 AAAAC3Nza slurm-login""# + "\n"
        #expect(document.text == expected)

        let reread = try TfvarsDocument(text: document.text)
        #expect(reread.string("image_repository") == "222222222222.dkr.ecr.eu-west-1.amazonaws.com/new")
        #expect(reread.string("image_tag") == "25.05.0-ubuntu24.04")
        #expect(reread.string("ssh_key") == "ssh-ed25519 AAAAC3Nza slurm-login")
        #expect(reread.string("name_prefix") == "demo")
    }

    @Test("only top-level attributes are found; nested keys and heredoc text are not")
    func topLevelOnly() throws {
        let document = try TfvarsDocument(text: handWritten)
        #expect(document.attributes.map(\.name) == ["name_prefix", "node_groups", "tags", "description", "image_repository", "image_tag"])
        #expect(document.attribute("node_groups")?.isSingleLine == false)
        #expect(document.attribute("description")?.isSingleLine == false)
        #expect(document.attribute("image_tag")?.line == 22)
        #expect(document.string("image_tag") == "v1")
        #expect(document.attribute("name") == nil)
        #expect(document.text == handWritten)
    }

    @Test("values that already match leave the text identical and report no change")
    func noChange() throws {
        var document = try TfvarsDocument(text: handWritten)
        let changed = try document.set([
            ("image_repository", "111111111111.dkr.ecr.us-west-2.amazonaws.com/old"), ("image_tag", "v1"),
        ])
        #expect(!changed)
        #expect(document.text == handWritten)
    }

    @Test("a file without a trailing newline keeps not having one")
    func noTrailingNewline() throws {
        var document = try TfvarsDocument(text: #"image_tag = "v1""#)
        try document.set([("image_tag", "v2")])
        #expect(document.text == #"image_tag = "v2""#)
    }

    @Test("an empty file gets the keys appended")
    func emptyFile() throws {
        var document = try TfvarsDocument(text: "")
        #expect(try document.set([("image_tag", "v1"), ("ssh_key", "k")]))
        #expect(document.text == "image_tag = \"v1\"\nssh_key = \"k\"\n")
    }

    @Test("replacing a value that spans several lines is refused with its line number")
    func multiLineRefused() throws {
        var document = try TfvarsDocument(text: "a = 1\nimage_tag = [\n  \"x\",\n]\n")
        let error = #expect(throws: TfvarsDocument.ParseError.self) { try document.set([("image_tag", "v2")]) }
        #expect(error?.line == 2)
    }

    @Test("quoting escapes quotes, backslashes and template openers, and decodes back to the same value",
          arguments: [
              "plain", #"with "quotes""#, #"back\slash"#, #"C:\path\"#, "${var.injected}", "%{ if true }x%{ endif }",
              "$${already-escaped}", "tab\tand\nnewline", "costs $5 {not a template}", "ends with $", "$", "{", #"\${x}"#,
              "ünïcödé ✓",
          ])
    func quoteRoundTrip(value: String) throws {
        let literal = TfvarsDocument.quote(value)
        #expect(TfvarsDocument.decodeSimpleString(literal) == value)
        #expect(!literal.dropFirst().dropLast().contains("\n"))
        // Every ${ or %{ in the literal is escaped by doubling the sigil.
        let body = String(literal.dropFirst().dropLast())
        #expect(body.replacingOccurrences(of: "$${", with: "").contains("${") == false)
        #expect(body.replacingOccurrences(of: "%%{", with: "").contains("%{") == false)

        var document = try TfvarsDocument(text: "# keep\nimage_tag = \"old\" # note\n")
        try document.set([("image_tag", value)])
        let reread = try TfvarsDocument(text: document.text)
        #expect(reread.string("image_tag") == value)
        #expect(document.text.hasPrefix("# keep\nimage_tag = "))
        #expect(document.text.hasSuffix(" # note\n"))
    }

    @Test("specific escapes are the ones HCL expects")
    func exactEscapes() {
        #expect(TfvarsDocument.quote(#"a"b"#) == #""a\"b""#)
        #expect(TfvarsDocument.quote(#"a\b"#) == #""a\\b""#)
        #expect(TfvarsDocument.quote("${x}") == #""$${x}""#)
        #expect(TfvarsDocument.quote("%{x}") == #""%%{x}""#)
        #expect(TfvarsDocument.quote("$x {y}") == #""$x {y}""#)
    }

    @Test("parse errors carry the line number", arguments: [
        ("a = \"ok\"\nb = \"unterminated\n", 2, "not closed"),
        ("a = 1\nlist = [\n  1,\n  2,\n", 4, "bracket"),
        ("a = 1\n\nname value\n", 3, "name = value"),
        ("a = 1\nb = 2\na = 3\n", 3, "first on line 1"),
        ("a = 1\nfoo {\n}\n", 2, "name = value"),
        ("a = 1\nb = ]\n", 2, "closing bracket"),
        ("a = 1\nb =\n", 2, "no value"),
        ("x = <<EOT\nnever closed\n", 2, "heredoc"),
        ("/* open\ncomment\n", 2, "comment"),
    ])
    func parseErrors(text: String, line: Int, fragment: String) {
        let error = #expect(throws: TfvarsDocument.ParseError.self) { try TfvarsDocument(text: text) }
        #expect(error?.line == line)
        #expect(error?.message.contains(fragment) == true, "message: \(error?.message ?? "")")
    }

    @Test("equality comparison is not mistaken for an attribute")
    func doubleEquals() {
        #expect(throws: TfvarsDocument.ParseError.self) { try TfvarsDocument(text: "a == 1\n") }
    }

    @Test("the repository's own blueprints parse, and setting the managed keys changes only their lines",
          arguments: ["blueprints/blueprint.tfvars", "blueprints/sandbox.tfvars"])
    func shippedBlueprints(relativePath: String) throws {
        let original = try String(contentsOfFile: "\(packageRoot)/\(relativePath)", encoding: .utf8)
        var document = try TfvarsDocument(text: original)
        let managed = ["image_repository", "image_tag", "ssh_key"]
        #expect(try document.set([
            ("image_repository", "123456789012.dkr.ecr.us-west-2.amazonaws.com/dlc-slurmd"),
            ("image_tag", "25.05.0-ubuntu24.04"),
            ("ssh_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample slurm-login"),
        ]))
        let before = original.components(separatedBy: "\n")
        let after = document.text.components(separatedBy: "\n")
        #expect(before.count == after.count, "no line added or removed: the keys were already declared")
        for (old, new) in zip(before, after) where old != new {
            #expect(managed.contains { old.hasPrefix($0) && new.hasPrefix($0) }, "unexpected change: \(old) -> \(new)")
        }
        let reread = try TfvarsDocument(text: document.text)
        #expect(reread.string("image_tag") == "25.05.0-ubuntu24.04")
    }

    @Test("a blueprint saved with CRLF line endings is read and edited in place, keeping CRLF")
    func crlfLineEndings() throws {
        let text = "name_prefix = \"demo\"\r\nimage_tag = \"v1\"\r\n"
        var document = try TfvarsDocument(text: text)
        #expect(document.string("image_tag") == "v1")
        #expect(try document.set([("image_tag", "v1")]) == false)
        #expect(document.text == text)
        try document.set([("image_tag", "v2")])
        #expect(document.text == "name_prefix = \"demo\"\r\nimage_tag = \"v2\"\r\n")
    }

    @Test("an attribute after a leading /* comment */ on its line is found, not duplicated on set")
    func attributeAfterInlineBlockComment() throws {
        var document = try TfvarsDocument(text: "/* pinned */ image_tag = \"v1\"\n")
        #expect(document.string("image_tag") == "v1")
        try document.set([("image_tag", "v2")])
        #expect(document.text == "/* pinned */ image_tag = \"v2\"\n")
    }

    @Test("a heredoc nested inside a map is valid HCL and parses")
    func nestedHeredoc() throws {
        let text = "tags = {\n  note = <<EOT\n  it's { \"odd\n  EOT\n}\nimage_tag = \"v1\"\n"
        let document = try TfvarsDocument(text: text)
        #expect(document.string("image_tag") == "v1")
    }
}
