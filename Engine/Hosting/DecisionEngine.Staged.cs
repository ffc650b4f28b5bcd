using FastEngine.Books;
using FastEngine.Model;

namespace FastEngine.Hosting;

// The staged topology's side of the decision engine: the books it reads are a mirror fed by the book stage's images.
public sealed partial class DecisionEngine
{
    private BookMirror? _mirror;

    /// <summary>The decision thread's mirror of the books in the staged topology (null in the fused one).</summary>
    public BookMirror? Mirror => _mirror;

    /// <summary>
    /// Switches every decision (signals, router, paper broker, keep-warm) to read <paramref name="mirror"/> instead of
    /// <see cref="Books"/>; the keeper is then run by the book stage (<see cref="BookStage"/>), never by this engine. Cold
    /// path: call once, before the first event.
    /// </summary>
    /// <exception cref="InvalidOperationException">Events were already processed, or a mirror is already in use.</exception>
    public void UseMirror(BookMirror mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        if (Stats.Events != 0 || _mirror is not null)
            throw new InvalidOperationException("UseMirror must be called once, before the first event.");
        _mirror = mirror;
        _bookSource = mirror;
    }

    /// <summary>
    /// Processes one event in the staged topology, on the decision thread, after the book stage finished it:
    /// <paramref name="snapshot"/> is the sequence of the image the book stage published for it
    /// (<see cref="BookStage.NoSnapshot"/>: none; <see cref="BookStage.Failed"/>: the book stage threw on it, and the event
    /// is skipped after being counted, as the fused <see cref="OnEvent"/> skips the rest of an event whose book step threw).
    /// The image is applied to the mirror first, then the same steps as <see cref="OnEvent"/> run on it.
    /// </summary>
    public void OnStagedEvent(ref MarketEvent e, long stampTicks, long snapshot)
    {
        BeginEvent(ref e);
        if (snapshot >= 0) _mirror!.Apply(snapshot);
        else if (snapshot == BookStage.Failed) return;
        AfterBook(ref e, stampTicks);
    }
}
