"""The OpenAI SDK, set up once: timeouts, bounded retries, images as data URLs.

The SDK honours ``OPENAI_BASE_URL`` by itself when no base URL is passed, which
is how tests point it at the loopback fake and how users reach a proxy.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any, TypeVar

from PIL import Image
from pydantic import BaseModel

from scenemaker_desktop.engine.vision.base import OpenAIUnavailableError

REQUEST_TIMEOUT_S = 60.0
MAX_RETRIES = 2
# Vision pricing grows with pixels; 768 px on the long side keeps detail a model can use.
IMAGE_LONG_SIDE = 768

Parsed = TypeVar("Parsed", bound=BaseModel)


def make_client(key: str) -> Any:
    import openai

    return openai.OpenAI(api_key=key, timeout=REQUEST_TIMEOUT_S, max_retries=MAX_RETRIES)


def image_data_url(path: Path) -> str:
    """A JPEG data URL of ``path`` scaled to IMAGE_LONG_SIDE (one upload-free request)."""
    with Image.open(path) as im:
        im = im.convert("RGB")
        im.thumbnail((IMAGE_LONG_SIDE, IMAGE_LONG_SIDE), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        im.save(buffer, "JPEG", quality=88)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def parse_structured(
    client: Any, model: str, system: str, user: list[dict[str, Any]], schema: type[Parsed]
) -> Parsed:
    """One chat call whose answer must fit ``schema``; OpenAIUnavailableError otherwise."""
    import openai

    try:
        completion = client.chat.completions.parse(
            model=model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            response_format=schema,
        )
    except openai.AuthenticationError:
        raise OpenAIUnavailableError("OpenAI key rejected (401)") from None
    except openai.APIStatusError as exc:
        raise OpenAIUnavailableError(f"OpenAI answered {exc.status_code}") from None
    except openai.APIConnectionError as exc:
        raise OpenAIUnavailableError(f"OpenAI unreachable: {type(exc).__name__}") from None
    except (openai.OpenAIError, ValueError) as exc:
        raise OpenAIUnavailableError(f"OpenAI answer unusable: {type(exc).__name__}") from None
    message = completion.choices[0].message
    if message.parsed is None:
        refusal = getattr(message, "refusal", None)
        raise OpenAIUnavailableError(
            f"OpenAI gave no usable answer{': ' + refusal if refusal else ''}"
        )
    return message.parsed


def check_connection(key: str, model: str = "gpt-4.1-mini") -> str:
    """For Settings' "Test connection": a cheap authenticated call."""
    import openai

    client = make_client(key)
    try:
        client.models.retrieve(model)
    except openai.AuthenticationError:
        raise OpenAIUnavailableError("OpenAI key rejected (401)") from None
    except openai.NotFoundError:
        raise OpenAIUnavailableError(
            f"OpenAI key accepted, but model {model} is not available"
        ) from None
    except openai.OpenAIError as exc:
        raise OpenAIUnavailableError(f"OpenAI unreachable: {type(exc).__name__}") from None
    finally:
        client.close()
    return f"OpenAI key accepted ({model})"
