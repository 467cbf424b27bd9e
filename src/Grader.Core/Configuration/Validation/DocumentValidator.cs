using System.Linq.Expressions;
using System.Text.RegularExpressions;
using FluentValidation;
using FluentValidation.Results;
using Grader.Core.Configuration.Documents;
using NodaTime;

namespace Grader.Core.Configuration.Validation;

/// <summary>
/// Shared field rules for the configuration documents. Every rule attaches the field's <see cref="FieldLocation"/> as
/// its custom state, so each failure can be turned into a <see cref="ConfigError"/> naming file, line and field.
/// </summary>
public abstract partial class DocumentValidator<T> : AbstractValidator<T>
    where T : IHasSource
{
    protected DocumentValidator()
    {
        // One message per field: "is missing" makes "is not a number" redundant.
        RuleLevelCascadeMode = CascadeMode.Stop;
    }

    /// <summary>Ids of assignments, rubric items and the course: lowercase letters, digits and '-'.</summary>
    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    protected static partial Regex IdentifierPattern();

    protected void Required(Expression<Func<T, string?>> property, string key, string purpose) =>
        RuleFor(property).NotEmpty().Error(key, $"is missing; {purpose}");

    protected void RequiredBlock<TBlock>(Expression<Func<T, TBlock?>> property, string key, string purpose)
        where TBlock : class =>
        RuleFor(property).NotNull().Error(key, $"is missing; {purpose}");

    protected void Identifier(Expression<Func<T, string?>> property, string key, string purpose)
    {
        var get = property.Compile();
        RuleFor(property)
            .NotEmpty().Error(key, $"is missing; {purpose}")
            .Must(value => IdentifierPattern().IsMatch(value!))
            .Error(key, x => $"\"{get(x)}\" is not a valid id: use lowercase letters, digits and '-' (like hw1-mlp)");
    }

    protected void Decimal(Expression<Func<T, string?>> property, string key, bool required, decimal minimum, decimal maximum, bool minimumExclusive, string purpose)
    {
        var get = property.Compile();
        var range = minimumExclusive ? $"more than {minimum} and at most {maximum}" : $"between {minimum} and {maximum}";
        var rule = RuleFor(property);
        if (required)
        {
            rule.NotEmpty().Error(key, $"is missing; {purpose}");
        }

        rule.Must(value => value is null || ConfigValues.TryDecimal(value, out _))
            .Error(key, x => $"\"{get(x)}\" is not a number")
            .Must(value => value is null || (ConfigValues.TryDecimal(value, out var number)
                && (minimumExclusive ? number > minimum : number >= minimum) && number <= maximum))
            .Error(key, x => $"{get(x)} is out of range; it must be {range}");
    }

    protected void Integer(Expression<Func<T, string?>> property, string key, bool required, int minimum, int maximum, string purpose)
    {
        var get = property.Compile();
        var rule = RuleFor(property);
        if (required)
        {
            rule.NotEmpty().Error(key, $"is missing; {purpose}");
        }

        rule.Must(value => value is null || ConfigValues.TryInteger(value, out _))
            .Error(key, x => $"\"{get(x)}\" is not a whole number")
            .Must(value => value is null || (ConfigValues.TryInteger(value, out var number) && number >= minimum && number <= maximum))
            .Error(key, x => $"{get(x)} is out of range; it must be between {minimum} and {maximum}");
    }

    protected void Boolean(Expression<Func<T, string?>> property, string key, bool required, string purpose)
    {
        var get = property.Compile();
        var rule = RuleFor(property);
        if (required)
        {
            rule.NotEmpty().Error(key, $"is missing; {purpose}");
        }

        rule.Must(value => value is null || ConfigValues.TryBoolean(value, out _))
            .Error(key, x => $"\"{get(x)}\" is not true or false");
    }

    protected void OneOf<TValue>(Expression<Func<T, string?>> property, string key, bool required, IReadOnlyDictionary<string, TValue> names, string purpose)
    {
        var get = property.Compile();
        var choices = string.Join(", ", names.Keys);
        var rule = RuleFor(property);
        if (required)
        {
            rule.NotEmpty().Error(key, $"is missing; {purpose} (one of: {choices})");
        }

        rule.Must(value => value is null || names.ContainsKey(value))
            .Error(key, x => $"\"{get(x)}\" is not one of: {choices}");
    }

    /// <param name="zone">The course time zone, to reject times a DST change skips or repeats; null when unknown.</param>
    protected void LocalDateTime(Expression<Func<T, string?>> property, string key, bool required, Func<DateTimeZone?> zone, string purpose)
    {
        var get = property.Compile();
        var rule = RuleFor(property);
        if (required)
        {
            rule.NotEmpty().Error(key, $"is missing; {purpose}");
        }

        rule.Must(value => value is null || ConfigValues.TryLocalDateTime(value, out _))
            .Error(key, x => $"\"{get(x)}\" is not a date (expected {ConfigValues.DateTimeFormat} in the course time zone)")
            .Must(value => value is null || zone() is not { } z || !ConfigValues.TryLocalDateTime(value, out var local)
                || ConfigValues.DaylightSavingProblem(local, z) is null)
            .Error(key, x => ConfigValues.TryLocalDateTime(get(x), out var local) && zone() is { } z
                ? $"\"{get(x)}\" {ConfigValues.DaylightSavingProblem(local, z)}; pick another time"
                : "is not a usable time");
    }

    /// <summary>Reports a value that only makes sense under another setting (e.g. a per-day penalty under no-credit).</summary>
    protected void Forbidden(Expression<Func<T, string?>> property, string key, Func<T, bool> when, string reason) =>
        RuleFor(property).Null().When(when).Error(key, $"does not apply here: {reason}");

    /// <summary>Turns FluentValidation failures into positioned configuration errors.</summary>
    public static IEnumerable<ConfigError> ToConfigErrors(ValidationResult result, SourceMap fallback)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(fallback);
        return result.Errors
            .Where(failure => failure.CustomState is not FieldLocation { ShapeAlreadyReported: true })
            .Select(failure => failure.CustomState is FieldLocation field
                ? ConfigError.At(field, failure.ErrorMessage)
                : ConfigError.At(new FieldLocation(fallback.Mapping, failure.PropertyName), failure.ErrorMessage));
    }
}
