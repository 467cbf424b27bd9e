using FluentValidation;
using Grader.Core.Configuration.Documents;

namespace Grader.Core.Configuration.Validation;

internal static class RuleOptionsExtensions
{
    /// <summary>The message and the field position for the validator just added (FluentValidation keeps both per validator).</summary>
    public static IRuleBuilderOptions<T, TProperty> Error<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, string key, string message)
        where T : IHasSource =>
        rule.WithMessage(message).WithState(x => x.Source.Field(key));

    public static IRuleBuilderOptions<T, TProperty> Error<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, string key, Func<T, string> message)
        where T : IHasSource =>
        rule.WithMessage(message).WithState(x => x.Source.Field(key));

    /// <summary>A condition for the validator just added only (FluentValidation's default applies it to the whole chain).</summary>
    public static IRuleBuilderOptions<T, TProperty> OnlyWhen<T, TProperty>(this IRuleBuilderOptions<T, TProperty> rule, Func<T, bool> predicate) =>
        rule.When(predicate, ApplyConditionTo.CurrentValidator);
}
