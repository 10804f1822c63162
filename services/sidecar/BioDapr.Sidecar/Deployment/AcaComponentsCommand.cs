using BioDapr.Sidecar.Cli;
using BioDapr.Sidecar.Resources;

namespace BioDapr.Sidecar.Deployment;

/// <summary>
/// <c>aca-components &lt;resources-path&gt;… [--out file.json] [--yaml-dir dir] [--values file.env] [--check]</c>:
/// translates Dapr Component YAML into Azure Container Apps' component schema. <c>--out</c> writes the
/// JSON the Bicep deployment loads (envRef kept as placeholders unless <c>--values</c> resolves them);
/// <c>--yaml-dir</c> writes one flat YAML per component for <c>az containerapp env dapr-component set</c>;
/// <c>--check</c> fails when <c>--out</c> is not up to date.
/// </summary>
internal static class AcaComponentsCommand
{
    public const string Usage = "usage: aca-components <resources-path>... [--out <file.json>] [--yaml-dir <dir>] [--values <file.env>] [--check]";

    public static async Task<int> ExecuteAsync(string[] args, TextWriter output, TextWriter error)
    {
        var paths = new List<string>();
        string? outFile = null, yamlDir = null, valuesFile = null;
        var check = false;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new CommandLineException($"{args[i]} needs a value. {Usage}");
            try
            {
                switch (args[i])
                {
                    case "--out": outFile = Next(); break;
                    case "--yaml-dir": yamlDir = Next(); break;
                    case "--values": valuesFile = Next(); break;
                    case "--check": check = true; break;
                    case var flag when flag.StartsWith('-'): throw new CommandLineException($"unknown flag {flag}. {Usage}");
                    default: paths.Add(args[i]); break;
                }
            }
            catch (CommandLineException ex)
            {
                await error.WriteLineAsync(ex.Message);
                return ExitCodes.UsageError;
            }
        }

        if (paths.Count == 0 || (check && outFile is null))
        {
            await error.WriteLineAsync(paths.Count == 0 ? $"no resources path given. {Usage}" : $"--check needs --out. {Usage}");
            return ExitCodes.UsageError;
        }

        try
        {
            var values = valuesFile is null ? null : ReadValues(valuesFile);
            var components = AcaComponentTranslator.Translate(paths, values);
            var json = AcaComponentTranslator.ToJson(components);
            if (outFile is not null && check)
            {
                var current = File.Exists(outFile) ? await File.ReadAllTextAsync(outFile) : string.Empty;
                if (current.ReplaceLineEndings("\n") != json)
                {
                    await error.WriteLineAsync($"{outFile} is out of date with {string.Join(", ", paths)}; run: aca-components {string.Join(' ', paths)} --out {outFile}");
                    return ExitCodes.RuntimeError;
                }

                await output.WriteLineAsync($"{outFile} is up to date ({components.Count} components)");
            }
            else if (outFile is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(outFile))!);
                await File.WriteAllTextAsync(outFile, json);
                await output.WriteLineAsync($"wrote {components.Count} components to {outFile}");
            }

            if (yamlDir is not null)
            {
                Directory.CreateDirectory(yamlDir);
                foreach (var component in components)
                {
                    await File.WriteAllTextAsync(Path.Combine(yamlDir, component.Name + ".yaml"), AcaComponentTranslator.ToYaml(component));
                }

                await output.WriteLineAsync($"wrote {components.Count} component files to {yamlDir}");
            }

            if (outFile is null && yamlDir is null)
            {
                await output.WriteAsync(json);
            }

            return ExitCodes.Success;
        }
        catch (Exception ex) when (ex is AcaTranslationException or ResourceLoadException or IOException or FormatException)
        {
            await error.WriteLineAsync(ex.Message);
            return ExitCodes.RuntimeError;
        }
    }

    /// <summary>Reads <c>NAME=value</c> lines (blank lines and <c>#</c> comments skipped).</summary>
    public static Dictionary<string, string> ReadValues(string file)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadAllLines(file))
        {
            lineNumber++;
            var text = line.Trim();
            if (text.Length == 0 || text[0] == '#')
            {
                continue;
            }

            var equals = text.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException($"{file}: line {lineNumber}: expected NAME=value, got '{text}'");
            }

            values[text[..equals].Trim()] = text[(equals + 1)..].Trim();
        }

        return values;
    }
}
