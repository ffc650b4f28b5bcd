namespace FastEngine.Adapters; internal static class Placeholder {}
