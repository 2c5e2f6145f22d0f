"""Files written the way real generators write them: the chunk names, JSON shapes and EXIF/XMP
fields of A1111/Forge, ComfyUI, InvokeAI, NovelAI, Fooocus, a Midjourney-style JPEG and an
IPTC-tagged JPEG. Made here, in code, so the tests need nothing from the network."""

from __future__ import annotations

import io
import json

from PIL import Image
from PIL.PngImagePlugin import PngInfo

PROMPT = "a red fox in fresh snow, watercolour, soft light"
NEGATIVE = "blurry, watermark, text"
SEED = 1234567890
TRAINED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
COMPOSITE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"

A1111_PARAMETERS = (
    f"{PROMPT}\nNegative prompt: {NEGATIVE}\n"
    f"Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: {SEED}, "
    "Size: 96x64, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1"
)


def _image(width: int = 96, height: int = 64) -> Image.Image:
    im = Image.new("RGB", (width, height))
    for x in range(width):
        for y in range(height):
            im.putpixel((x, y), (x * 2 % 256, y * 3 % 256, (x + y) % 256))
    return im


def png(text: dict[str, str], *, xmp: str = "", size: tuple[int, int] = (96, 64)) -> bytes:
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    if xmp:
        info.add_itxt("XML:com.adobe.xmp", xmp)
    out = io.BytesIO()
    _image(*size).save(out, "PNG", pnginfo=info)
    return out.getvalue()


def jpeg(*, description: str = "", user_comment: str = "", xmp: str = "") -> bytes:
    exif = Image.Exif()
    if description:
        exif[0x010E] = description
    if user_comment:  # A1111 writes UNICODE + UTF-16 big-endian (piexif's default)
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00" + user_comment.encode("utf-16-be")
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if len(exif) or user_comment else {}
    if xmp:
        kwargs["xmp"] = xmp.encode()
    _image().save(out, "JPEG", quality=90, **kwargs)
    return out.getvalue()


def xmp_packet(*, description: str = "", source_type: str = "", tool: str = "") -> str:
    parts = []
    if description:
        parts.append(
            f"<dc:description><rdf:Alt><rdf:li xml:lang='x-default'>{description}"
            "</rdf:li></rdf:Alt></dc:description>"
        )
    attrs = f" Iptc4xmpExt:DigitalSourceType='{source_type}'" if source_type else ""
    if tool:
        attrs += f" xmp:CreatorTool='{tool}'"
    return (
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF "
        "xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'>"
        "<rdf:Description rdf:about='' xmlns:dc='http://purl.org/dc/elements/1.1/' "
        "xmlns:xmp='http://ns.adobe.com/xap/1.0/' "
        f"xmlns:Iptc4xmpExt='http://iptc.org/std/Iptc4xmpExt/2008-02-29/'{attrs}>"
        f"{''.join(parts)}</rdf:Description></rdf:RDF></x:xmpmeta>"
    )


def a1111_png() -> bytes:
    return png({"parameters": A1111_PARAMETERS})


def a1111_jpeg() -> bytes:
    return jpeg(user_comment=A1111_PARAMETERS)


def comfyui_graph(prompt: str = PROMPT) -> dict:
    return {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": SEED,
                "steps": 20,
                "cfg": 6.5,
                "sampler_name": "euler",
                "scheduler": "normal",
                "denoise": 1.0,
                "model": ["4", 0],
                "positive": ["6", 0],
                "negative": ["7", 0],
                "latent_image": ["5", 0],
            },
        },
        "4": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "sd_xl_base_1.0.safetensors"},
        },
        "5": {
            "class_type": "EmptyLatentImage",
            "inputs": {"width": 96, "height": 64, "batch_size": 1},
        },
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": prompt, "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": NEGATIVE, "clip": ["4", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"images": ["8", 0]}},
    }


def comfyui_png(prompt: str = PROMPT, sampler_inputs: dict | None = None) -> bytes:
    links = [  # [link id, from node, from slot, to node, to slot, type], as ComfyUI saves them
        [1, 4, 0, 3, 0, "MODEL"],
        [2, 6, 0, 3, 1, "CONDITIONING"],
        [3, 7, 0, 3, 2, "CONDITIONING"],
        [4, 5, 0, 3, 3, "LATENT"],
        [5, 4, 1, 6, 0, "CLIP"],
        [6, 4, 1, 7, 0, "CLIP"],
        [7, 3, 0, 8, 0, "LATENT"],
        [8, 4, 2, 8, 1, "VAE"],
        [9, 8, 0, 9, 0, "IMAGE"],
    ]
    nodes = [{"id": int(k), "type": v["class_type"]} for k, v in comfyui_graph(prompt).items()]
    workflow = {"last_node_id": 9, "last_link_id": 9, "nodes": nodes, "links": links}
    workflow["version"] = 0.4
    graph = comfyui_graph(prompt)
    graph["3"]["inputs"].update(sampler_inputs or {})
    return png({"prompt": json.dumps(graph), "workflow": json.dumps(workflow)})


def invokeai_png(model_name: str = "stable-diffusion-v1-5") -> bytes:
    meta = {
        "generation_mode": "txt2img",
        "positive_prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "width": 96,
        "height": 64,
        "seed": SEED,
        "rand_device": "cpu",
        "cfg_scale": 7.5,
        "steps": 30,
        "scheduler": "dpmpp_2m_k",
        "model": {"model_name": model_name, "base_model": "sd-1", "key": "abc"},
    }
    return png({"invokeai_metadata": json.dumps(meta)})


def novelai_png() -> bytes:
    comment = {
        "prompt": PROMPT,
        "steps": 28,
        "height": 64,
        "width": 96,
        "scale": 5.0,
        "uncond_scale": 1.0,
        "cfg_rescale": 0.0,
        "seed": SEED,
        "n_samples": 1,
        "noise_schedule": "native",
        "sampler": "k_euler_ancestral",
        "uc": NEGATIVE,
        "strength": 0.7,
        "noise": 0.2,
    }
    return png(
        {
            "Title": "AI generated image",
            "Description": PROMPT,
            "Software": "NovelAI",
            "Source": "Stable Diffusion XL C1E1DE52",
            "Comment": json.dumps(comment),
        },
        xmp=xmp_packet(description=PROMPT, source_type=TRAINED, tool="NovelAI"),
    )


def fooocus_png() -> bytes:
    params = {
        "prompt": PROMPT,
        "negative_prompt": NEGATIVE,
        "base_model": "juggernautXL_v8Rundiffusion.safetensors",
        "base_model_hash": "aeb7e9e689",
        "sampler": "dpmpp_2m_sde_gpu",
        "scheduler": "karras",
        "seed": str(SEED),
        "steps": 30,
        "guidance_scale": 4,
        "sharpness": 2,
        "version": "Fooocus v2.5.5",
    }
    return png({"parameters": json.dumps(params), "fooocus_scheme": "fooocus"})


def midjourney_jpeg() -> bytes:
    description = f"{PROMPT} --ar 3:2 --v 6.1 Job ID: 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
    return jpeg(
        description=description,
        xmp=xmp_packet(description=description, source_type=TRAINED),
    )


def iptc_composite_jpeg() -> bytes:
    return jpeg(xmp=xmp_packet(source_type=COMPOSITE, tool="Photo editor with generative fill"))


GENERATORS = {
    "a1111_png": (a1111_png, "AUTOMATIC1111"),
    "a1111_jpeg": (a1111_jpeg, "AUTOMATIC1111"),
    "comfyui": (comfyui_png, "ComfyUI"),
    "invokeai": (invokeai_png, "InvokeAI"),
    "novelai": (novelai_png, "NovelAI"),
    "fooocus": (fooocus_png, "Fooocus"),
}
