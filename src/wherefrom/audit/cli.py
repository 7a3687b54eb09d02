"""`wherefrom audit extract|generate|membership|canary` and `wherefrom guard`: thin argparse
front ends over the audit and guard modules. torch and transformers load only when a command
runs; without them the command prints the install line and exits 2."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from wherefrom.errors import MissingExtraError, WherefromError, require

INSTALL = "pip install 'wherefrom[audit]'   (torch, transformers, gguf, matplotlib)"


def register(subparsers: Any) -> None:
    audit = subparsers.add_parser(
        "audit", help="measure how much a model memorizes its training data"
    )
    commands = audit.add_subparsers(dest="audit_command", required=True)

    def model_args(p: argparse.ArgumentParser, index: bool = True) -> None:
        p.add_argument("--model", required=True, help="model folder, or a .gguf file")
        p.add_argument("--gguf-file", help="GGUF file name inside --model (default: the only one there)")
        if index:
            p.add_argument("--index", required=True, help="wherefrom index of the training corpus")
        p.add_argument("--batch-size", type=int, default=16, help="sequences per forward pass (default 16)")
        p.add_argument("--json", dest="json_out", type=Path, help="write the full result here")

    ext = commands.add_parser(
        "extract", help="extraction audit (Carlini 2022 / Biderman 2023 protocols)"
    )
    model_args(ext)
    ext.add_argument("--protocol", choices=["carlini2022", "biderman2023"], default="carlini2022",
                     help="carlini2022: 50-token prefix, 50-token suffix; biderman2023: 32 and 32 (default carlini2022)")
    ext.add_argument("--sequences", type=int, default=200, help="training sequences to sample (default 200)")
    ext.add_argument("--seed", type=int, default=0, help="seed of the sequence sample (default 0)")
    ext.add_argument("--reference-model", help="subtract this model's rates (same sequences)")
    ext.add_argument("--plot", type=Path, help="PNG of extractable fraction vs duplicates")
    ext.set_defaults(audit_run=_extract)

    gen = commands.add_parser(
        "generate", help="untargeted extraction: sample, then check each output"
    )
    model_args(gen)
    gen.add_argument("--samples", type=int, default=100, help="generations to sample (default 100)")
    gen.add_argument("--length", type=int, default=256, help="tokens per generation (default 256)")
    gen.add_argument("--top-k", type=int, default=40, help="sample from the k most likely tokens (default 40)")
    gen.add_argument("--temperature", type=float, default=1.0, help="sampling temperature (default 1.0)")
    gen.add_argument("--min-tokens", type=int, default=50, help="copy length that counts, in tokens (default 50)")
    gen.add_argument("--seed", type=int, default=0, help="sampling seed (default 0)")
    gen.set_defaults(audit_run=_generate)

    mem = commands.add_parser(
        "membership", help="membership scores; AUROC with --members/--nonmembers"
    )
    model_args(mem, index=False)
    mem.add_argument("--index", help="score sampled sequences of this index")
    mem.add_argument("--members", type=Path, help="JSONL or text file (one text a line) of members")
    mem.add_argument("--nonmembers", type=Path, help="the same for non-members")
    mem.add_argument("--sequences", type=int, default=200, help="sequences sampled from --index (default 200)")
    mem.add_argument("--tokens", type=int, default=64, help="tokens per sampled sequence (default 64)")
    mem.add_argument(
        "--k", type=float, default=0.2, help="fraction of tokens for Min-K%% and Min-K%%++ (default 0.2)"
    )
    mem.add_argument("--reference-model", help="model for the reference-ratio score")
    mem.add_argument("--seed", type=int, default=0, help="seed of the sequence sample (default 0)")
    mem.set_defaults(audit_run=_membership)

    can = commands.add_parser("canary", help="make canaries, or measure a trained model's exposure")
    can.add_argument("--model", help="trained model (omit to only print canaries)")
    can.add_argument("--gguf-file", help="GGUF file name inside --model (default: the only one there)")
    can.add_argument("--batch-size", type=int, default=16, help="sequences per forward pass (default 16)")
    can.add_argument("--template", default="my secret number is {secret}",
                     help="canary text with a {secret} slot (default 'my secret number is {secret}')")
    can.add_argument("--alphabet", default="0123456789", help="symbols of the secret (default the ten digits)")
    can.add_argument("--length", type=int, default=6, help="symbols in the secret (default 6)")
    can.add_argument("--count", type=int, default=1, help="canaries to print (default 1)")
    can.add_argument("--seed", type=int, default=0, help="seed of the secrets (default 0)")
    can.add_argument("--canary", action="append", help="canary text to measure (repeatable)")
    can.add_argument("--samples", type=int, default=0,
                     help="extrapolate exposure from this many random candidates (default 0: exact rank when the space is small)")
    can.add_argument("--json", dest="json_out", type=Path, help="write the full result here")
    can.set_defaults(audit_run=_canary)
    audit.set_defaults(run=_run)

    guard = subparsers.add_parser("guard", help="generate with the copy guard on")
    model_args(guard)
    guard.add_argument("--prompt", required=True, help="text the model continues")
    guard.add_argument("--max-copy-tokens", type=int, default=50,
                       help="a copy is flagged at most this many words after it starts (default 50)")
    guard.add_argument("--mode", choices=["block", "cite"], default="block",
                       help="block: never emit the token that would continue a copy; cite: let it through and name the source (default block)")
    guard.add_argument("--new-tokens", type=int, default=100, help="tokens to generate (default 100)")
    guard.add_argument("--top-k", type=int, default=64, help="candidates checked per step (default 64)")
    guard.set_defaults(run=_run, audit_run=_guard)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.audit_run is not _canary or args.model:
            from wherefrom.audit.model import _torch

            _torch()
            require("transformers", "model audits", "audit")
        return args.audit_run(args)
    except MissingExtraError as error:
        raise WherefromError(f"{error}; {INSTALL}") from None


def _load(path: str, args: argparse.Namespace) -> Any:
    from wherefrom.audit.model import load_model

    return load_model(path, getattr(args, "gguf_file", None), args.batch_size)


def _open(path: str) -> Any:
    from wherefrom.index import Index

    return Index.open(path)


def _emit(result: dict[str, Any], summary: dict[str, Any], path: Path | None) -> None:
    if path is not None:
        path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))


def _extract(args: argparse.Namespace) -> int:
    from wherefrom.audit.extract import audit_extraction, plot

    index = _open(args.index)
    model = _load(args.model, args)
    reference = _load(args.reference_model, args) if args.reference_model else None
    result = audit_extraction(
        index, model, args.protocol, count=args.sequences, seed=args.seed, reference=reference
    )
    if args.plot:
        plot(result, args.plot)
    _emit(result.to_dict(), result.summary(), args.json_out)
    return 0


def _generate(args: argparse.Namespace) -> int:
    from wherefrom.audit.generate import audit_generations

    index = _open(args.index)
    model = _load(args.model, args)
    out = audit_generations(
        index,
        model,
        n=args.samples,
        length=args.length,
        top_k=args.top_k,
        temperature=args.temperature,
        min_tokens=args.min_tokens,
        seed=args.seed,
    )
    _emit(
        out,
        {k: v for k, v in out.items() if k != "copies"} | {"copies": out["copies"][:10]},
        args.json_out,
    )
    return 0


def _texts(path: Path) -> list[str]:
    from wherefrom.errors import BadInputError

    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise BadInputError(f"{path}: cannot read ({error.strerror})") from None
    out = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                out.append(str(json.loads(line)["text"]))
            except (json.JSONDecodeError, KeyError, TypeError):
                raise BadInputError(
                    f"{path}:{number}: expected a JSON object with a 'text' field"
                ) from None
        else:
            out.append(line)
    return out


def _membership(args: argparse.Namespace) -> int:
    from wherefrom.audit.membership import evaluate, score_text, summarize
    from wherefrom.errors import BadInputError

    model = _load(args.model, args)
    reference = _load(args.reference_model, args) if args.reference_model else None
    result: dict[str, Any] = {"model": model.name, "k": args.k}
    if args.index:
        from wherefrom.audit.sequences import sample_sequences

        sequences, _ = sample_sequences(
            _open(args.index), model, args.tokens, args.sequences, args.seed
        )
        texts = [model.tokenizer.decode(list(s.tokens)) for s in sequences]
        scored = [score_text(model, t, args.k, reference) for t in texts]
        result["index_sequences"] = {"n": len(scored), "mean": summarize(scored)}
    if args.members or args.nonmembers:
        if not (args.members and args.nonmembers):
            raise BadInputError("--members and --nonmembers go together")
        members = [score_text(model, t, args.k, reference) for t in _texts(args.members)]
        nonmembers = [score_text(model, t, args.k, reference) for t in _texts(args.nonmembers)]
        result["members"] = {"n": len(members), "mean": summarize(members)}
        result["nonmembers"] = {"n": len(nonmembers), "mean": summarize(nonmembers)}
        result["separation"] = evaluate(members, nonmembers)
    if len(result) == 2:
        raise BadInputError("give --index, or --members with --nonmembers")
    _emit(result, result, args.json_out)
    return 0


def _canary(args: argparse.Namespace) -> int:
    from wherefrom.audit.canary import CanarySpec, exposure, make_canaries

    spec = CanarySpec(args.template, tuple(args.alphabet), args.length)
    if not args.model:
        for canary in make_canaries(spec, args.count, args.seed):
            print(canary)
        return 0
    model = _load(args.model, args)
    canaries = args.canary or make_canaries(spec, args.count, args.seed)
    out = {
        "model": model.name,
        "space": spec.space_size,
        "canaries": [
            {"canary": c} | exposure(model, spec, c, samples=args.samples, seed=args.seed)
            for c in canaries
        ],
    }
    _emit(out, out, args.json_out)
    return 0


def _guard(args: argparse.Namespace) -> int:
    from wherefrom.guard import CopyGuard, make_processor

    index = _open(args.index)
    model = _load(args.model, args)
    guard = CopyGuard.from_index(index, args.max_copy_tokens, args.mode)
    processor: Any = make_processor(guard, model.tokenizer, args.top_k)
    torch = __import__("torch")
    ids = torch.tensor([model.encode(args.prompt)[0]])
    with torch.no_grad():
        out = model.model.generate(
            input_ids=ids,
            attention_mask=torch.ones_like(ids),
            do_sample=False,
            max_new_tokens=args.new_tokens,
            logits_processor=[processor],
            pad_token_id=model.tokenizer.eos_token_id,
        )
    citations = processor.finish(out)[0]
    text = model.tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
    print(
        json.dumps(
            {
                "text": text,
                "blocked_candidates": processor.blocked,
                "citations": [c.to_dict() for c in citations],
            },
            indent=2,
        )
    )
    return 0
