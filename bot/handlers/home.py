"""Slack listeners for the App Home: app_home_opened, paging, the tree toggle, "my manager", away."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.home import home_view
from bot.handlers.reading import in_home, object_of, team_of, text_of, user_of, view_of
from bot.ids import SharedAction
from bot.services import Services
from bot.services.people.welcome import welcome_once
from bot.views.home import HomeAction, HomeState, HomeView


def state_of(body: dict[str, Any]) -> HomeState:
    """The Home state kept in the published view's private_metadata (default when there is none)."""
    return HomeState.decode(text_of(view_of(body), "private_metadata") if in_home(body) else None)


def publish(client: WebClient, view: HomeView) -> None:
    """views.publish the Home tab of the view's viewer."""
    client.views_publish(user_id=view.viewer.user_id, view=home_view(view))


def publish_home(client: WebClient, services: Services, team_id: str, user_id: str,
                 state: HomeState | None = None) -> None:
    """Build and publish a person's Home tab (also used after actions elsewhere that change it)."""
    publish(client, services.home.build(team_id=team_id, user_id=user_id, state=state))


def handle_app_home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any], client: WebClient,
                           services: Services) -> None:
    """app_home_opened: the one-time welcome DM; on the Home tab, publish a fresh Home (toggle and pages kept)."""
    ack()
    if text_of(event, "user"):
        welcome_once(services.ctx, team_of(body), text_of(event, "user"))  # the first time only
    if text_of(event, "tab") != "home" or not text_of(event, "user"):
        return
    view = object_of(event, "view")
    publish_home(client, services, team_of(body), text_of(event, "user"),
                 HomeState.decode(text_of(view, "private_metadata")))


def handle_home_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     services: Services) -> None:
    """Show more / back to the top / whole tree toggle / refresh: the new state is the button's value."""
    ack()
    publish_home(client, services, team_of(body), user_of(body), HomeState.decode(text_of(action, "value")))


def handle_open_home(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """"Open the Home tab" buttons in messages: make sure what it shows is fresh."""
    ack()
    publish_home(client, services, team_of(body), user_of(body), state_of(body))


def handle_manager_selected(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                            services: Services) -> None:
    """"My manager" picked in the Home tab; refusals (self, a bot, a cycle) show at the top of the tab."""
    ack()
    publish(client, services.home.set_manager(team_id=team_of(body), user_id=user_of(body),
                                              manager_id=text_of(action, "selected_user") or None,
                                              state=state_of(body)))


def handle_away_selected(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """Away-until date picked in the Home tab."""
    ack()
    publish(client, services.home.set_away(team_id=team_of(body), user_id=user_of(body),
                                           until=text_of(action, "selected_date") or None, state=state_of(body)))


def handle_back(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """"I'm back" in the Home tab."""
    ack()
    publish(client, services.home.set_away(team_id=team_of(body), user_id=user_of(body), until=None,
                                           state=state_of(body)))


def register(app: App) -> None:
    """Bind the Home tab's listeners."""
    app.event("app_home_opened")(handle_app_home_opened)
    for action_id in (HomeAction.MORE, HomeAction.TOP, HomeAction.TREE, HomeAction.REFRESH):
        app.action(action_id)(handle_home_page)
    app.action(SharedAction.OPEN_HOME)(handle_open_home)
    app.action(HomeAction.MANAGER)(handle_manager_selected)
    app.action(HomeAction.AWAY)(handle_away_selected)
    app.action(HomeAction.BACK)(handle_back)
