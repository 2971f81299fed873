"""Forms of the governance pages: a meeting's settings, agenda, motions, minutes and the ballot."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from activator.events.enums import MotionKind, VoteChoice
from activator.events.models import AgendaItem, Meeting, Motion
from activator.members.enums import GovernanceRoleKind
from activator.members.models import Organisation


def quorum_limits() -> list[Any]:
    return [MinValueValidator(1), MaxValueValidator(100)]


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["body", "number", "theme", "quorum_percent", "majority"]
        help_texts = {
            "quorum_percent": gettext_lazy(
                "Share of the voting members who must vote, abstentions included, rounded up."
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        quorum = self.fields["quorum_percent"]
        quorum.min_value, quorum.max_value = 1, 100
        quorum.widget.attrs.update(min=1, max=100)
        quorum.validators = [*quorum.validators, *quorum_limits()]
        self.fields["number"].widget.attrs["min"] = 1

    def _post_clean(self) -> None:
        # The service validates and saves (with the event it belongs to).
        pass

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class AgendaItemForm(forms.ModelForm):
    position = forms.IntegerField(
        label=gettext_lazy("Position"),
        required=False,
        min_value=1,
        help_text=gettext_lazy("1 is first; leave empty to keep its place (new items go last)."),
    )

    class Meta:
        model = AgendaItem
        fields = ["position", "title", "description", "presenter"]

    def _post_clean(self) -> None:
        pass

    def service_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class MotionForm(forms.ModelForm):
    """A resolution or an election; candidates are organisations (for elections only).

    `organisations` is the list the candidates are chosen from, read once for every form of
    the page.
    """

    # Checked against the items the page passes, so the forms of one page read them once.
    agenda_item = forms.ChoiceField(label=gettext_lazy("Agenda item"), required=False)
    candidates = forms.MultipleChoiceField(
        label=gettext_lazy("Candidates (elections)"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text=gettext_lazy("Hold Ctrl (or ⌘) to choose several."),
    )

    class Meta:
        model = Motion
        fields = [
            "agenda_item",
            "kind",
            "title",
            "text",
            "role",
            "seats",
            "term_start_year",
            "term_end_year",
        ]
        help_texts = {
            "role": gettext_lazy("Elections: the office the vote fills."),
            "seats": gettext_lazy("Elections: how many candidates are elected."),
        }

    def __init__(
        self,
        *args: Any,
        meeting: Meeting,
        items: list[AgendaItem],
        organisations: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self._items = {str(item.pk): item for item in items}
        self._organisations = {str(o.pk): o for o in organisations}
        agenda = self.fields["agenda_item"]
        agenda.choices = [("", _("Not tied to an agenda item"))] + [
            (str(item.pk), f"{item.position}. {item.title}") for item in items
        ]
        self.fields["role"].choices = [("", "—"), *GovernanceRoleKind.choices]
        self.fields["role"].required = False
        self.fields["seats"].min_value = 1
        self.fields["candidates"].choices = [(str(o.pk), o.name) for o in organisations]
        if self.instance.pk and not self.is_bound:
            self.initial["candidates"] = [
                str(c.organisation_id) for c in self.instance.candidates.all()
            ]

    def clean_agenda_item(self) -> AgendaItem | None:
        value = self.cleaned_data.get("agenda_item")
        return self._items.get(str(value)) if value else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        chosen = [self._organisations[pk] for pk in cleaned.get("candidates") or []]
        if cleaned.get("kind") == MotionKind.RESOLUTION and chosen:
            self.add_error("candidates", _("A resolution has no candidates."))
        cleaned["candidates"] = chosen
        return cleaned

    def _post_clean(self) -> None:
        pass

    def service_fields(self) -> dict[str, Any]:
        fields = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        fields["role"] = fields["role"] or ""
        fields["seats"] = fields["seats"] or 1
        fields["text"] = fields["text"] or ""
        return {"candidates": self.cleaned_data["candidates"], **fields}


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=gettext_lazy("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=gettext_lazy("Only the meeting's managers read them until they are published."),
    )


class VoteForm(forms.Form):
    """One member's ballot on one motion: for, against or abstain; or up to `seats`
    candidates (or a blank ballot) in an election."""

    organisation = forms.IntegerField(widget=forms.HiddenInput)
    choice = forms.ChoiceField(
        label=gettext_lazy("Your vote"),
        required=False,
        choices=VoteChoice.choices,
        widget=forms.RadioSelect,
    )
    candidates = forms.MultipleChoiceField(
        label=gettext_lazy("Your candidates"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, motion: Motion, organisation: Organisation, **kwargs: Any):
        kwargs.setdefault("auto_id", f"vote-{motion.pk}-{organisation.pk}-%s")
        super().__init__(*args, **kwargs)
        self.motion = motion
        self.organisation_obj = organisation
        self.fields["organisation"].initial = organisation.pk
        if motion.kind == MotionKind.ELECTION:
            del self.fields["choice"]
            self._candidates = {str(c.pk): c for c in motion.candidates.all()}
            self.fields["candidates"].choices = [
                (pk, c.organisation.name) for pk, c in self._candidates.items()
            ]
            self.fields["candidates"].help_text = ngettext(
                "Choose %(seats)s candidate, or cast a blank ballot.",
                "Choose up to %(seats)s candidates, or cast a blank ballot.",
                motion.seats,
            ) % {"seats": motion.seats}
        else:
            del self.fields["candidates"]
            self.fields["choice"].required = True

    @property
    def is_election(self) -> bool:
        return self.motion.kind == MotionKind.ELECTION

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.is_election:
            if self.data.get("blank") is not None:
                cleaned["chosen"] = []
                return cleaned
            chosen = [self._candidates[pk] for pk in cleaned.get("candidates") or []]
            if not chosen:
                raise ValidationError(_("Choose at least one candidate, or cast a blank ballot."))
            if len(chosen) > self.motion.seats:
                self.add_error(
                    "candidates",
                    ngettext(
                        "Choose at most %(seats)s candidate.",
                        "Choose at most %(seats)s candidates.",
                        self.motion.seats,
                    )
                    % {"seats": self.motion.seats},
                )
            cleaned["chosen"] = chosen
        return cleaned

    def service_arguments(self) -> dict[str, Any]:
        if self.is_election:
            chosen = self.cleaned_data["chosen"]
            return {"candidates": chosen, "choice": None if chosen else VoteChoice.ABSTAIN.value}
        return {"choice": self.cleaned_data["choice"]}
