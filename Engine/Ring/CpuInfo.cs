using System.Globalization;

namespace FastEngine.Ring;

/// <summary>CPU facts used to plan stage threads (how many stages can get a core of their own).</summary>
public static class CpuInfo
{
    /// <summary>
    /// CPUs online in the machine: parsed from <c>/sys/devices/system/cpu/online</c> on Linux (a list such as
    /// <c>0-3,6</c>), otherwise <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    public static int OnlineCpuCount
    {
        get
        {
            try
            {
                const string path = "/sys/devices/system/cpu/online";
                if (OperatingSystem.IsLinux() && File.Exists(path) && TryParseCpuList(File.ReadAllText(path), out int count))
                    return count;
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }

            return Environment.ProcessorCount;
        }
    }

    /// <summary>CPUs this process may use (affinity and container limits applied).</summary>
    public static int ProcessorCount => Environment.ProcessorCount;

    /// <summary>Counts the CPUs in a Linux CPU list ("0-3,6,8-9" → 7); false when the text is malformed.</summary>
    public static bool TryParseCpuList(string text, out int count)
    {
        count = 0;
        if (string.IsNullOrWhiteSpace(text))
            return false;

        foreach (var part in text.Trim().Split(','))
        {
            var range = part.Split('-');
            if (range.Length == 1 && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                count++;
            }
            else if (range.Length == 2
                && int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out int first)
                && int.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out int last)
                && last >= first)
            {
                count += last - first + 1;
            }
            else
            {
                count = 0;
                return false;
            }
        }

        return true;
    }
}
