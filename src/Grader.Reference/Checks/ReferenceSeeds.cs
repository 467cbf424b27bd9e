namespace Grader.Reference.Checks;

/// <summary>
/// Seeds for reference data and weights. Fixed per check id (a stable FNV-1a hash, not string.GetHashCode, which
/// changes between processes), so a check gives the same inputs whatever ran before it.
/// </summary>
internal static class ReferenceSeeds
{
    public static long For(string checkId)
    {
        var hash = 14695981039346656037UL;
        foreach (var character in checkId)
        {
            hash = (hash ^ character) * 1099511628211UL;
        }

        return (long)(hash & 0x7FFF_FFFF_FFFF_FFFF);
    }
}
