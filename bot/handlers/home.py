"""Slack listeners for the App Home: app_home_opened, paging, the tree toggle, "my manager", away."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.blocks.home import HomeAction, home_view
from bot.ids import SharedAction
from bot.services import Services
from bot.services.home import HomeState, HomeView
from bot.services.welcome import welcome_once


def team_of(body: dict[str, Any]) -> str:
    """The workspace of an interaction or event payload."""
    return (body.get("team") or {}).get("id") or body.get("team_id") or (body.get("view") or {}).get("team_id", "")


def state_of(body: dict[str, Any]) -> HomeState:
    """The Home state kept in the published view's private_metadata (default when there is none)."""
    view = body.get("view") or {}
    return HomeState.decode(view.get("private_metadata") if view.get("type") == "home" else None)


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
    if event.get("user"):
        welcome_once(services.ctx, body.get("team_id", ""), event["user"])  # the first time only
    if event.get("tab") != "home" or not event.get("user"):
        return
    state = HomeState.decode((event.get("view") or {}).get("private_metadata"))
    publish_home(client, services, body.get("team_id", ""), event["user"], state)


def handle_home_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                     services: Services) -> None:
    """Show more / back to the top / whole tree toggle / refresh: the new state is the button's value."""
    ack()
    publish_home(client, services, team_of(body), body["user"]["id"], HomeState.decode(action.get("value")))


def handle_open_home(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """"Open the Home tab" buttons in messages: make sure what it shows is fresh."""
    ack()
    publish_home(client, services, team_of(body), body["user"]["id"], state_of(body))


def handle_manager_selected(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                            services: Services) -> None:
    """"My manager" picked in the Home tab; refusals (self, a bot, a cycle) show at the top of the tab."""
    ack()
    publish(client, services.home.set_manager(team_id=team_of(body), user_id=body["user"]["id"],
                                              manager_id=action.get("selected_user"), state=state_of(body)))


def handle_away_selected(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient,
                         services: Services) -> None:
    """Away-until date picked in the Home tab."""
    ack()
    publish(client, services.home.set_away(team_id=team_of(body), user_id=body["user"]["id"],
                                           until=action.get("selected_date"), state=state_of(body)))


def handle_back(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """"I'm back" in the Home tab."""
    ack()
    publish(client, services.home.set_away(team_id=team_of(body), user_id=body["user"]["id"], until=None,
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
