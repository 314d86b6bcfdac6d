from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Credit")

    def ready(self) -> None:
        from credit import api, feed, parts
        from credit import models as m
        from portal.permanence import refuse_hard_delete

        parts.register()
        feed.register()
        api.register()
        # Published registry data and what enterprises disclosed: withdrawn or corrected, never deleted.
        refuse_hard_delete(
            m.Agency, m.Enterprise, m.Shareholder, m.CapitalContribution, m.KeyPerson, m.Branch, m.ChangeRecord,
            m.ChattelMortgage, m.EquityPledge, m.AdministrativeLicence, m.AdministrativePenalty,
            m.JudicialAssistance, m.AnnualReport, m.InstantDisclosure, m.CommitmentLetter,
        )
        # The change feed is append-only: its events and daily heads are never deleted.
        refuse_hard_delete(m.ChangeEvent, m.ChangeHead)
