import SlinkyCLI

/// The executable only hands over to the library, where everything testable lives.
@main
enum Entry {
    static func main() async {
        await SlinkyCommand.main()
    }
}
