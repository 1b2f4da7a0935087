CatalogSearch.add("t","sm",{"small":[5.69,"0_"],"small algorithmic":[2.607,"0_"]});
