from django.db import models


class ArticleLink(models.Model):
    """One wiki link from an article's current revision; kept up to date on every save."""

    source = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="links_out")
    target_title = models.CharField(max_length=200)
    target = models.ForeignKey(
        "wiki.Article",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="links_in",
    )
    section = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target_title", "section"], name="link_unique"
            )
        ]
        indexes = [models.Index(fields=["target_title"], name="link_target_title")]

    def __str__(self):
        return f"{self.source} → {self.target_title}"
