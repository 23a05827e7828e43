using System.Reflection;

namespace Splynx.Orleans.Tests.Infrastructure;

/// <summary>Where the repository and the built service programs are, seen from the test assembly.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    private static string Configuration { get; } =
        typeof(RepositoryPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    /// <summary>The built entry assembly of a project of the solution, to run with <c>dotnet</c>.</summary>
    public static string ProgramOf(string projectDirectory, string assemblyName)
    {
        var path = Path.Combine(Root, projectDirectory, "bin", Configuration, "net10.0", assemblyName + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.", path);
    }

    public static string SiloProgram => ProgramOf("src/Silo", "Splynx.Orleans.Silo");

    public static string WebHostProgram => ProgramOf("src/WebHost", "Splynx.Orleans.WebHost");

    public static string TestSiloProgram => ProgramOf("tests/Splynx.Orleans.TestSilo", "Splynx.Orleans.TestSilo");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Splynx.Orleans.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("Splynx.Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
