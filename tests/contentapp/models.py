from django.conf import settings
from django.db import models


class Fanwork(models.Model):
    """A drawing or a story a member shares: it fulfils the moderation contract
    (nlmg.moderation.registry.Moderatable) and nothing in nlmg/ knows it."""

    title = models.CharField(max_length=200)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    body_html = models.TextField(default="")
    is_hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return f"/fanworks/{self.pk}/"

    def moderation_title(self) -> str:
        return f"Fan work “{self.title}”"

    def moderation_state(self) -> dict:
        return {"is_hidden": self.is_hidden}

    def moderation_preview(self) -> str:
        return self.body_html

    @property
    def moderation_owner(self):
        return self.author

    def hide(self, *, by, reason: str = "") -> bool:
        if self.is_hidden:
            return False
        self.is_hidden = True
        self.save(update_fields=["is_hidden"])
        return True

    def restore(self, *, by) -> bool:
        if not self.is_hidden:
            return False
        self.is_hidden = False
        self.save(update_fields=["is_hidden"])
        return True
