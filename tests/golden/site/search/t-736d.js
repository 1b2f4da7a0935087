CatalogSearch.add("t","sm",{"small":[5.691,"0_"],"small algorithmic":[2.607,"0_"]});
