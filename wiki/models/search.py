from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models


class SearchSegment(models.Model):
    """A run of an article's text with the spoiler scopes enclosing it (outermost first).

    A reader's search only looks at segments whose every scope they have reached, so a hidden
    sentence can neither match, rank nor show in a snippet. ``scope1..3`` hold the scopes'
    tokens ("novel:19"); an empty array means no requirement; "*" (generic) is never reached.
    """

    class Weight(models.TextChoices):
        TITLE = "A", "title"
        LEAD = "B", "lead"
        INFOBOX = "C", "infobox"
        BODY = "D", "body"

    article = models.ForeignKey("wiki.Article", on_delete=models.CASCADE, related_name="segments")
    position = models.PositiveIntegerField()
    weight = models.CharField(max_length=1, choices=Weight.choices)
    text = models.TextField()
    scope1 = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    scope2 = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    scope3 = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    vector = SearchVectorField(null=True)

    class Meta:
        ordering = ["article", "position"]
        indexes = [GinIndex(fields=["vector"], name="segment_vector")]

    def __str__(self):
        return f"{self.article_id}:{self.position}"
