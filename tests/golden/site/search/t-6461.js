CatalogSearch.add("t","da",{"data":[2.975,"0F2_"],"data hurt":[2.607,"2_"],"dataset":[8.896,"0_"]});
