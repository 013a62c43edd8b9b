"""The headquarters workspace (本部ワークスペース): web pages where a cluster's
headquarters staff enter projects, budgets and execution, progress reports,
results, coordinators and events of their own region; plus the ministry's
review of reports and withdrawal of publication. Mounted at ``workspace/``."""
