public enum Slinky { public static let version = "0.1.0" }
