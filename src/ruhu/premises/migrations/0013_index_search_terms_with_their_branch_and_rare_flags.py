"""The household search's name and community terms indexed with the branch; the two rare
flags of the lists get partial indexes (decision 0032).

With `name` and `community` alone, a branch user's search made the planner AND the term's
few matches with a bitmap of the whole branch (250,000 entries, ~5 ms, twice per search:
count and page); with the branch as second column each term is found within the branch
by its own index, and head office still reads the index by its first column. Vulnerable
(3 %) and group-rental (2 %) households had no index: a branch's list of them was counted by
reading the whole branch. Partial indexes hold only those rows, by branch and account: the
list's order, and its count read from the index alone once VACUUM has marked the pages.

Numbered 0013: premises 0012 is another change of the same session; the lead points this
migration's dependency at it when merging.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_seed_token_and_first_login_policies"),
        ("premises", "0012_hash_the_blind_indexes_on_postgresql"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["name", "branch"], name="household_name_branch"),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["community", "branch"], name="household_community_branch"),
        ),
        migrations.RemoveIndex(model_name="household", name="household_name"),
        migrations.RemoveIndex(model_name="household", name="household_community"),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["branch", "account_no"],
                condition=models.Q(vulnerable=True),
                name="household_branch_vulnerable",
            ),
        ),
        migrations.AddIndex(
            model_name="household",
            index=models.Index(
                fields=["branch", "account_no"],
                condition=models.Q(group_rental=True),
                name="household_branch_group_rental",
            ),
        ),
    ]
