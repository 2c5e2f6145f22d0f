"""CloudFront invalidations through boto3's ``create_invalidation``.

CloudFront has no surrogate keys: keys are ignored and every URL's path is invalidated
(query strings dropped: CloudFront invalidates a path with all its query strings). One
invalidation per call, up to 3000 paths each. The call returns once CloudFront has accepted the
invalidation; it completes within minutes on its own. We never wait on boto3's waiter (moto
reports ``COMPLETED`` where AWS says ``Completed``, and a purge job need not block).

OPTIONS:
    distribution_id        required
    endpoint_url, region_name, aws_access_key_id, aws_secret_access_key
                           optional; by default boto3's own configuration chain
"""

from __future__ import annotations

import uuid
from urllib.parse import quote, urlsplit

from .base import PurgeBackend, PurgeError, PurgeResult, chunks

MAX_PATHS = 3000


class CloudFrontBackend(PurgeBackend):
    required_options = ("distribution_id",)
    optional_options = (
        "endpoint_url",
        "region_name",
        "aws_access_key_id",
        "aws_secret_access_key",
        "timeout",
    )

    def client(self):
        import boto3
        from botocore.config import Config

        kwargs = {
            name: self.options[name]
            for name in (
                "endpoint_url",
                "region_name",
                "aws_access_key_id",
                "aws_secret_access_key",
            )
            if self.options.get(name)
        }
        config = Config(
            connect_timeout=self.timeout, read_timeout=self.timeout, retries={"max_attempts": 2}
        )
        return boto3.client("cloudfront", config=config, **kwargs)

    @staticmethod
    def paths(urls: list[str]) -> list[str]:
        """Unique, quoted paths in first-seen order."""
        seen: dict[str, None] = {}
        for url in urls:
            path = urlsplit(url).path or "/"
            seen[quote(path, safe="/-_.~*")] = None
        return list(seen)

    def purge(self, urls: list[str], keys: list[str]) -> PurgeResult:
        from botocore.exceptions import BotoCoreError, ClientError

        result = PurgeResult(self.alias, urls=len(urls), keys=0)
        paths = self.paths(urls)
        if not paths:
            return result
        client = self.client()
        distribution = self.options["distribution_id"]
        for batch in chunks(paths, MAX_PATHS):
            try:
                answer = client.create_invalidation(
                    DistributionId=distribution,
                    InvalidationBatch={
                        "Paths": {"Quantity": len(batch), "Items": batch},
                        "CallerReference": f"aiassets-{uuid.uuid4().hex}",
                    },
                )
            except (BotoCoreError, ClientError) as exc:
                raise PurgeError(
                    f"CloudFront invalidation on {distribution} via {self.alias!r} failed: {exc}"
                ) from exc
            inv = answer["Invalidation"]
            result.details.append(f"invalidation {inv['Id']} {inv['Status']}")
        return result
