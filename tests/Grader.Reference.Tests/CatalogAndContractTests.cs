using Grader.Contracts;
using Grader.Reference.Checks;
using Grader.Reference.Tests.Support;
using YamlDotNet.RepresentationModel;
using static TorchSharp.torch;

namespace Grader.Reference.Tests;

/// <summary>The catalog the runner and <c>grader validate</c> rely on, the contracts' cross-process rule, and the rubric files.</summary>
public class CatalogAndContractTests
{
    private static readonly Type[] AllowedBoundaryTypes =
    [
        typeof(void), typeof(Tensor), typeof(Tensor[]), typeof(int), typeof(long), typeof(float), typeof(double), typeof(bool), typeof(string),
        typeof(int[]), typeof(long[]), typeof(float[]), typeof(double[]), typeof(bool[]), typeof(string[]),
    ];

    [Test]
    public void CatalogListsTheThreeHomeworksAndTheStandaloneGanLab()
    {
        Assert.That(CheckCatalog.Suites.Select(suite => suite.AssignmentId), Is.EqualTo(new[] { "hw1-mlp", "hw2-cnn", "hw3-rnn", "gan-lab" }));
        Assert.That(CheckCatalog.ForAssignment("hw3-rnn").Checks.Select(check => check.Id), Does.Contain("gan.mode-coverage"));
        Assert.That(CheckCatalog.ForAssignment("gan-lab").Checks.Select(check => check.Id), Has.All.StartsWith("gan."));
        Assert.That(CheckCatalog.FindCheck("hw2.conv2d-padding")!.ContractType, Is.EqualTo(typeof(IConvolution2d)));
        Assert.That(CheckCatalog.FindCheck("hw9.nothing"), Is.Null);
    }

    [Test]
    public void AnUnknownAssignmentNamesTheKnownOnes()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => CheckCatalog.ForAssignment("hw4-transformer"));
        Assert.That(error!.Message, Does.Contain("hw4-transformer").And.Contain("hw1-mlp"));
        Assert.That(CheckCatalog.TryGetSuite("hw4-transformer", out _), Is.False);
    }

    [Test]
    public void CheckIdsAreUniqueAndFollowTheNamingRule()
    {
        var ids = CheckCatalog.Suites.Where(suite => suite.AssignmentId != "gan-lab").SelectMany(suite => suite.Checks).Select(check => check.Id).ToList();
        Assert.That(ids, Is.Unique);
        Assert.That(ids, Has.All.Match("^(hw1|hw2|hw3|gan)\\.[a-z0-9]+(-[a-z0-9]+)*$"));
        Assert.That(CheckCatalog.AllCheckIds, Is.EquivalentTo(ids));
        Assert.That(CheckCatalog.Suites.SelectMany(suite => suite.Checks), Has.All.Matches<CheckDefinition>(check => check.Description.Length > 20));
    }

    [Test]
    public void EveryContractCanCrossTheSandboxPipe()
    {
        var contracts = typeof(IMultilayerPerceptron).Assembly.GetExportedTypes().Where(type => type.IsInterface).ToList();
        Assert.That(CheckCatalog.Suites.SelectMany(suite => suite.ContractTypes).Distinct(), Is.EquivalentTo(contracts), "every contract is checked, and only contracts are");
        foreach (var contract in contracts)
        {
            Assert.That(contract.IsGenericType || contract.GetProperties().Length > 0 || contract.GetEvents().Length > 0, Is.False, $"{contract.Name}: methods only");
            foreach (var method in contract.GetMethods())
            {
                var where = $"{contract.Name}.{method.Name}";
                Assert.That(method.IsGenericMethod, Is.False, where);
                Assert.That(AllowedBoundaryTypes, Does.Contain(method.ReturnType), $"{where} returns {method.ReturnType.Name}");
                foreach (var parameter in method.GetParameters())
                {
                    Assert.That(parameter.ParameterType.IsByRef || parameter.IsOut, Is.False, $"{where}({parameter.Name}) is ref/out");
                    Assert.That(AllowedBoundaryTypes, Does.Contain(parameter.ParameterType), $"{where}({parameter.Name}) is {parameter.ParameterType.Name}");
                }
            }
        }
    }

    [TestCase("hw1-mlp")]
    [TestCase("hw2-cnn")]
    [TestCase("hw3-rnn")]
    public void RubricNamesOnlyChecksOfItsAssignmentAndCoversAllOfThem(string assignment)
    {
        var path = Repository.PathOf("rubrics", $"{assignment}.yaml");
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path))
        {
            yaml.Load(reader);
        }

        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        Assert.That(Scalar(root, "assignment"), Is.EqualTo(assignment));
        var items = ((YamlSequenceNode)root.Children[new YamlScalarNode("items")]).Children.Cast<YamlMappingNode>().ToList();
        Assert.That(items.Select(item => Scalar(item, "id")), Is.Unique.And.All.Match("^[a-z0-9-]+$"));
        Assert.That(items.Select(item => int.Parse(Scalar(item, "points")!, System.Globalization.CultureInfo.InvariantCulture)), Has.All.GreaterThan(0));

        var referenced = items.Where(item => Scalar(item, "kind") == "auto").Select(item => Scalar(item, "check")).ToList();
        Assert.That(referenced, Is.EquivalentTo(CheckCatalog.ForAssignment(assignment).Checks.Select(check => check.Id)));
        var regularPoints = items.Where(item => (Scalar(item, "type") ?? "regular") == "regular").Sum(item => int.Parse(Scalar(item, "points")!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(regularPoints, Is.EqualTo(100), "regular items add up to the homework's full marks");
    }

    [TestCase("hw1-mlp")]
    [TestCase("hw2-cnn")]
    [TestCase("hw3-rnn")]
    public void HandoutNamesEveryCheckAndEveryContractMethod(string assignment)
    {
        var handout = File.ReadAllText(Repository.PathOf("assignments", assignment, "README.md"));
        foreach (var check in CheckCatalog.ForAssignment(assignment).Checks)
        {
            Assert.That(handout, Does.Contain($"`{check.Id}`"), $"{assignment}/README.md does not mention {check.Id}");
        }

        foreach (var contract in CheckCatalog.ForAssignment(assignment).ContractTypes)
        {
            foreach (var method in contract.GetMethods())
            {
                Assert.That(handout, Does.Contain(method.Name), $"{assignment}/README.md does not describe {contract.Name}.{method.Name}");
            }
        }
    }

    private static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? ((YamlScalarNode)value).Value : null;
}
