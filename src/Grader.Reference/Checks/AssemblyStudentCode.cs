using System.Reflection;
using System.Runtime.ExceptionServices;

namespace Grader.Reference.Checks;

/// <summary>
/// Finds the student's implementation of a contract in an assembly loaded in this process: exactly one public,
/// non-abstract class implementing the interface, with a public parameterless constructor.
/// For tests and trusted tooling only; submissions are run out of process by the runner.
/// </summary>
public sealed class AssemblyStudentCode(Assembly assembly) : IStudentCode
{
    /// <inheritdoc/>
    public T Create<T>() where T : class
    {
        var candidates = assembly.GetExportedTypes()
            .Where(type => type is { IsClass: true, IsAbstract: false } && typeof(T).IsAssignableFrom(type))
            .ToList();
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException($"no public class implements {typeof(T).Name}");
        }

        if (candidates.Count > 1)
        {
            var names = string.Join(", ", candidates.Select(type => type.FullName));
            throw new InvalidOperationException($"more than one public class implements {typeof(T).Name} ({names}); keep exactly one");
        }

        var constructor = candidates[0].GetConstructor(Type.EmptyTypes)
            ?? throw new InvalidOperationException($"{candidates[0].FullName} needs a public parameterless constructor");
        try
        {
            return (T)constructor.Invoke(null);
        }
        catch (TargetInvocationException error) when (error.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(error.InnerException).Throw();
            throw;
        }
    }
}
